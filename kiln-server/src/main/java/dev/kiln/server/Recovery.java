package dev.kiln.server;

import dev.kiln.image.HostKey;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.Journal;
import dev.kiln.snapshot.SnapshotRestore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code kiln restore}: a snapshot's files into an empty home ({@link SnapshotRestore}: verified
 * first, empty or complete), a {@code restored} entry that continues the same signed chain, then
 * the control plane on that home, which starts the fleet at the revisions the journal records — the
 * planners are level-triggered, so a fleet with no instance is just one that is all missing.
 */
public final class Recovery {
  private Recovery() {}

  /** The files restored and the {@code restored} entry appended; nothing started yet. */
  public static SnapshotRestore.Restored restoreFiles(
      Path snapshot,
      ServerConfig config,
      HostKey key,
      boolean force,
      OptionalLong toSeq,
      String actor) {
    SnapshotRestore.Restored r =
        SnapshotRestore.restore(snapshot, config.home(), key, force, toSeq);
    Path db = config.home().resolve("state.db");
    try (Journal journal =
        Journal.open(db, config.clock(), Anchoring.beside(db, config.environment()))) {
      journal.requireTrusted(key.publicKey());
      ServerState state = new ServerState();
      Recorder rec = new Recorder(journal, state, key);
      rec.replay();
      rec.append(
          actor,
          "restore",
          new JournalEvent.Restored(
              snapshot.toAbsolutePath().toString(),
              r.journalSeq(),
              toSeq.isPresent() ? Optional.of(toSeq.getAsLong()) : Optional.empty(),
              r.keyId()));
      rec.checkpoint(); // the restored head is signed and anchored before anything acts on it
    }
    return r;
  }

  /**
   * Starts the control plane on the restored home and returns it once every service runs its
   * replicas healthy.
   *
   * @throws ServerException (the control plane closed, instances left to a rerun) if that takes
   *     longer than {@code timeout}
   */
  public static ControlPlane startFleet(ServerConfig config, Duration timeout)
      throws InterruptedException {
    ControlPlane cp = ControlPlane.start(config);
    Instant deadline = Instant.now().plus(timeout);
    while (!allHealthy(cp)) {
      if (Instant.now().isAfter(deadline)) {
        String status = cp.views().statusText();
        cp.close();
        throw new ServerException(
            "the restored fleet was not healthy within "
                + timeout
                + " (the control plane stopped; `kiln server` on "
                + config.home()
                + " carries on):\n"
                + status);
      }
      Thread.sleep(200);
    }
    return cp;
  }

  /** Every applied service has as many healthy instances as its rollout wants. */
  public static boolean allHealthy(ControlPlane cp) {
    for (var s : cp.views().services().services()) {
      if (s.healthy() < s.replicas()) return false;
    }
    return true;
  }
}
