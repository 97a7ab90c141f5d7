package dev.kiln.server;

import dev.kiln.controller.Revision;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.Journal;
import dev.kiln.snapshot.SnapshotRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * {@code kiln server --snapshot-every 1h --snapshot-keep 24 --snapshot-dir DIR}. A snapshot counts
 * as a backup only once a restore drill has proven it: restored into a scratch home (every member
 * checked, the signature, the journal chain), the journal trusted and replayed into a projection
 * there, and every service's desired revision found with a verified image in the restored store —
 * what a plan of the recorded blueprint needs to say "No changes" without baking. No instance is
 * started. The verdict is a {@code snapshot-drill} entry; a failed snapshot is deleted, and only
 * the newest {@code keep} proven ones are kept.
 */
public final class SnapshotSchedule implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SnapshotSchedule.class.getName());

  private final ControlPlane cp;
  private final Path dir;
  private final int keep;
  private final ScheduledExecutorService timer;

  /** The outcome of one drill. */
  public record Drill(Path file, long journalSeq, boolean good, String verdict) {}

  private SnapshotSchedule(ControlPlane cp, Path dir, int keep) {
    if (keep < 1) throw new ServerException("--snapshot-keep must be 1 or more, not " + keep);
    this.cp = cp;
    this.dir = dir.toAbsolutePath();
    this.keep = keep;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kiln-snapshot-schedule");
              t.setDaemon(true);
              return t;
            });
  }

  /** Not started: {@link #runOnce()} by hand (tests). */
  public static SnapshotSchedule manual(ControlPlane cp, Path dir, int keep) {
    return new SnapshotSchedule(cp, dir, keep);
  }

  /** The first snapshot one period after start, then one per period after the last finished. */
  public static SnapshotSchedule start(ControlPlane cp, Duration every, Path dir, int keep) {
    if (every.isNegative() || every.isZero())
      throw new ServerException("--snapshot-every must be positive, not " + every);
    SnapshotSchedule s = new SnapshotSchedule(cp, dir, keep);
    s.timer.scheduleWithFixedDelay(
        () -> {
          try {
            s.runOnce();
          } catch (RuntimeException e) {
            LOG.warning("scheduled snapshot failed: " + e.getMessage());
          }
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
    return s;
  }

  /** One snapshot, its drill, the verdict journaled, old ones pruned. */
  public Drill runOnce() {
    Snapshots.Created c =
        new Snapshots(cp)
            .create(
                new Snapshots.Options(
                    Optional.empty(), dir, Snapshots.DEFAULT_KEEP_REVISIONS, false),
                Executor.ACTOR);
    Drill d = drill(c.result().file(), cp.key, dir);
    cp.executor.call(
        () ->
            cp.rec.append(
                Executor.ACTOR,
                "snapshot drill",
                new JournalEvent.SnapshotDrill(
                    d.file().toString(), d.journalSeq(), d.good(), d.verdict())));
    if (d.good()) {
      prune();
    } else {
      LOG.warning("snapshot " + d.file() + " failed its restore drill: " + d.verdict());
      delete(d.file());
    }
    return d;
  }

  /** Restores {@code file} into a scratch home beside it and checks what a restore would need. */
  public static Drill drill(Path file, HostKey key, Path scratchParent) {
    Path scratch = null;
    long seq = -1;
    try {
      scratch = Files.createTempDirectory(scratchParent, ".drill-");
      Path home = scratch.resolve("home");
      SnapshotRestore.Restored r = SnapshotRestore.restore(file, home, key, false);
      seq = r.journalSeq();
      Path db = home.resolve("state.db");
      ServerState state = new ServerState();
      try (Journal j = Journal.open(db, java.time.Clock.systemUTC(), Anchoring.beside(db))) {
        j.requireTrusted(key.publicKey());
        new Recorder(j, state, key).replay();
      }
      if (state.lastSeq() != seq)
        return bad(file, seq, "the journal replays to seq " + state.lastSeq() + ", not " + seq);
      ImageStore store = ImageStore.open(home.resolve("images"));
      List<String> checked = new ArrayList<>();
      for (String service : state.services().keySet()) {
        Optional<Integer> desired = state.desiredRevision(service);
        if (desired.isEmpty()) continue;
        Revision rev = state.revision(service, desired.get()).orElse(null);
        if (rev == null)
          return bad(file, seq, service + ": revision " + desired.get() + " is not in the journal");
        var v = ImageSigner.verify(store, rev.image(), key.publicKey());
        if (!v.valid())
          return bad(
              file,
              seq,
              service + "@" + rev.number() + ": image " + rev.image() + " does not verify: " + v);
        checked.add(service + "@" + rev.number());
      }
      return new Drill(
          file,
          seq,
          true,
          "restored "
              + r.members()
              + " members into a scratch home, journal trusted and replayed to seq "
              + seq
              + ", images signed for "
              + (checked.isEmpty() ? "no service" : String.join(", ", checked))
              + ": a plan would bake nothing");
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage();
      return bad(file, seq, why != null ? why : e.getClass().getSimpleName());
    } finally {
      if (scratch != null) deleteTree(scratch);
    }
  }

  private static Drill bad(Path file, long seq, String why) {
    return new Drill(file, seq, false, why);
  }

  /** Keeps the newest {@code keep} snapshots in the folder (their names sort by journal seq). */
  private void prune() {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> all =
          s.filter(p -> p.getFileName().toString().matches("kiln-\\d{10}\\.snapshot"))
              .sorted(Comparator.comparing(Path::toString).reversed())
              .toList();
      all.stream().skip(keep).forEach(SnapshotSchedule::delete);
    } catch (IOException e) {
      LOG.warning("cannot prune snapshots in " + dir + ": " + e.getMessage());
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warning("cannot delete " + p + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warning("cannot remove the drill's scratch home " + dir + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
