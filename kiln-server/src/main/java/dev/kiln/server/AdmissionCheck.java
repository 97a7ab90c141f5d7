package dev.kiln.server;

import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.scan.Admission;
import dev.kiln.scan.AdvisoryDb;
import dev.kiln.scan.ImageSbom;
import dev.kiln.scan.Scanner;
import dev.kiln.scan.Severity;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Admission at apply: a blueprint with {@code policy: { deny-severity: S }} deploys no image whose
 * SBOM matches an advisory of the server's feed ({@code kiln server --advisories PATH}) at or above
 * S, unless a journaled {@code kiln policy allow} exception covers it. A refusal is journaled
 * ({@code admission-refused}, naming the advisories) and fails the apply; a pass that needed
 * exceptions is journaled too ({@code admission-excepted}). The decision is {@link
 * Admission#judge}.
 */
final class AdmissionCheck {
  private static final Logger LOG = Logger.getLogger(AdmissionCheck.class.getName());

  private final Optional<AdvisoryDb> feed;
  private final Optional<Path> path;
  private final ImageStore store;
  private final Clock clock;

  private AdmissionCheck(
      Optional<AdvisoryDb> feed, Optional<Path> path, ImageStore store, Clock clock) {
    this.feed = feed;
    this.path = path;
    this.store = store;
    this.clock = clock;
  }

  /** Loads the feed once, at start; a malformed file is a warning, never a failed start. */
  static AdmissionCheck load(Optional<Path> advisories, ImageStore store, Clock clock) {
    Optional<AdvisoryDb> db = advisories.map(AdvisoryDb::load);
    db.ifPresent(
        d -> {
          LOG.info("admission: " + d.size() + " advisories from " + advisories.get());
          d.warnings().forEach(w -> LOG.warning("admission feed: " + w));
        });
    return new AdmissionCheck(db, advisories, store, clock);
  }

  /**
   * Judges every image the blueprint's services use; the exceptions are read on the executor's
   * thread, where the journal's state changes.
   */
  void check(
      Blueprint bp,
      Map<String, Digest> digests,
      ServerState state,
      Executor executor,
      Recorder rec,
      String actor) {
    Optional<String> deny = bp.policy().denySeverity();
    if (deny.isEmpty()) return;
    if (feed.isEmpty())
      throw new ServerException.Conflict(
          bp.file()
              + ": policy.deny-severity: "
              + deny.get()
              + " needs an advisory feed, and this server has none; start it with `kiln server"
              + " --advisories PATH` (or remove the policy)");
    Severity threshold = Severity.parse(deny.get());
    Map<String, Admission.Exemption> exemptions =
        executor.call(() -> Map.copyOf(state.exemptions()));
    List<String> refused = new ArrayList<>();
    for (var e : digests.entrySet()) {
      ImageSbom sbom = ImageSbom.read(store, e.getKey(), e.getValue());
      Admission.Verdict v =
          Admission.judge(Scanner.scan(sbom, feed.get()), threshold, exemptions, clock.instant());
      if (!v.admitted()) {
        rec.append(
            actor,
            "apply: admission refused " + String.join(", ", v.denyingIds()),
            new JournalEvent.AdmissionRefused(
                e.getKey(), e.getValue(), deny.get(), v.denyingIds(), feed.get().digest()));
        refused.add(
            e.getKey()
                + " ("
                + e.getValue().shortHex()
                + "): "
                + String.join(", ", v.denyingIds()));
      } else if (!v.excepted().isEmpty()) {
        rec.append(
            actor,
            "apply: admitted by exception",
            new JournalEvent.AdmissionExcepted(e.getKey(), e.getValue(), v.exceptedIds()));
      }
    }
    if (!refused.isEmpty())
      throw new ServerException.Conflict(
          "admission refused (policy.deny-severity: "
              + deny.get()
              + ", advisories from "
              + path.orElseThrow()
              + "): "
              + String.join("; ", refused)
              + "; patch the image (`kiln patch`) or record an exception: `kiln policy allow"
              + " ADVISORY --until DATE --reason TEXT`");
  }
}
