package dev.kiln.server;

import dev.kiln.controller.Action;
import dev.kiln.controller.FleetView;
import dev.kiln.controller.ObservedInstance;
import dev.kiln.controller.Revision;
import dev.kiln.controller.RollbackPlanner;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RuntimeConfig;
import dev.kiln.controller.Traffic;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Journal;
import dev.kiln.model.Digest;
import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import dev.kiln.router.RouteTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A warm rollback rehearsed on scratch data when the server starts, so that the JIT has compiled
 * its path before the first real one: the decision ({@link RollbackPlanner}), its journal batch
 * ({@link EventCodec}, the entries' hash chain, SQLite's inserts and commit), the projection
 * ({@link ServerState}) and the route table ({@link RouteBuilder}, {@link TableFile}). A rollback
 * is rare, so without this every real one ran that path in the interpreter: {@code
 * bench/rollback.sh} measured the server's part at about twice its warm time through a server's
 * first 40 rollbacks.
 *
 * <p>Nothing of it is visible or shared: its journal is a scratch file in a folder of its own
 * (tmpfs where there is one: its disk syncs cost nothing there), deleted afterwards; its state is a
 * {@link ServerState} of its own; it never reaches a runtime, the router or the real journal. A
 * failure only costs the warm-up.
 */
final class RollbackRehearsal {
  /** Rollbacks rehearsed by a server started by Kiln: past the JIT's first compile thresholds. */
  static final int DEFAULT_TIMES = 200;

  /** {@code -Dkiln.server.rehearsal=N}: rollbacks to rehearse ({@code 0}: none). */
  static final String PROPERTY = "kiln.server.rehearsal";

  private static final String SERVICE = "rehearsal";
  private static final String ACTOR = "kiln-rehearsal";
  private static final int REPLICAS = 2;

  private RollbackRehearsal() {}

  /** How it went: the rollbacks rehearsed, how long it took, what stopped it early. */
  record Report(int rollbacks, Duration took, Optional<String> error) {}

  /** Rehearses {@code times} swaps between two warm fleets, then deletes everything it made. */
  static Report run(HostKey key, Clock clock, int times) {
    long start = System.nanoTime();
    int done = 0;
    Optional<String> error = Optional.empty();
    Path dir = null;
    try {
      dir = scratchDir();
      try (Journal journal = Journal.open(dir.resolve("rehearsal.db"), clock)) {
        ServerState state = new ServerState();
        Recorder rec = new Recorder(journal, state, key);
        Strategy strategy = new Strategy.BlueGreen(Optional.empty(), Duration.ofMinutes(10));
        Duration deadline = Duration.ofMinutes(10);
        rec.appendAll(seed(strategy, deadline, clock.instant()));
        // two warm fleets of two instances each: "a" serves revision 2, "b" is warm on revision 1
        Map<String, Integer> fleet = new TreeMap<>();
        for (String id : List.of("rehearsal-a-1", "rehearsal-a-2")) fleet.put(id, 2);
        for (String id : List.of("rehearsal-b-1", "rehearsal-b-2")) fleet.put(id, 1);
        for (long version = 1; done < times; version++) {
          rehearseOne(rec, state, fleet, strategy, deadline, clock, version);
          done++;
        }
      }
    } catch (RuntimeException | IOException e) {
      error = Optional.of(String.valueOf(e));
    } finally {
      if (dir != null) deleteTree(dir);
    }
    return new Report(done, Duration.ofNanos(System.nanoTime() - start), error);
  }

  /** As {@link Intents#rollback} and {@link Executor#act} do it, up to the table's bytes. */
  private static void rehearseOne(
      Recorder rec,
      ServerState state,
      Map<String, Integer> fleet,
      Strategy strategy,
      Duration deadline,
      Clock clock,
      long version) {
    int live = state.liveRevision(SERVICE).orElseThrow();
    List<ObservedInstance> observed = new ArrayList<>();
    fleet.forEach(
        (id, revision) ->
            observed.add(
                new ObservedInstance(
                    id,
                    SERVICE,
                    revision,
                    ObservedInstance.Phase.HEALTHY,
                    clock.instant().minusSeconds(60),
                    0)));
    RollbackPlanner.RollbackPlan plan =
        RollbackPlanner.plan(
            state.revisions(SERVICE),
            live,
            new RollbackPlanner.Target.Previous(state.servedRevisions(SERVICE)),
            new FleetView(observed),
            REPLICAS,
            strategy,
            deadline,
            clock.instant());
    if (!(plan instanceof RollbackPlanner.RollbackPlan.Swap swap))
      throw new IllegalStateException("the rehearsal planned a fast-track, not a swap");
    int to = swap.revision().number();
    Intents.RollbackEntries batch =
        Intents.RollbackEntries.of(ACTOR, SERVICE, live, Optional.empty(), swap);
    List<Recorder.Pending> entries = new ArrayList<>(batch.requested());
    entries.addAll(
        ActionJournal.entries(state, ACTOR, Intents.RollbackEntries.SWAP_CAUSE, swap.actions()));
    entries.add(new Recorder.Pending(ACTOR, batch.cause(), batch.started()));
    rec.afterActing(rec.appendAllBeforeActing(entries));
    for (Action a : swap.actions())
      if (a instanceof Action.AdoptInstances adopt)
        adopt.instanceIds().forEach(id -> fleet.put(id, adopt.toRevision()));
    List<RouteBuilder.Serving> serving = new ArrayList<>();
    int port = 40000;
    for (var e : fleet.entrySet())
      if (e.getValue() == to)
        serving.add(new RouteBuilder.Serving(e.getKey(), SERVICE, e.getValue(), port++));
    Map<String, Traffic> traffic = state.traffic();
    RouteTable table =
        new RouteTable(
            version,
            LocalDataPlane.sort(
                RouteBuilder.build(traffic, RoutePublisher.routes(state, traffic), serving)));
    if (table.services().isEmpty()) throw new IllegalStateException("the rehearsal routed nothing");
    Json.write(TableFile.toJson(table, TableFile.WITH_KEYS));
  }

  /** The service, its two revisions, and revision 2 live after revision 1 was. */
  private static List<Recorder.Pending> seed(
      Strategy strategy, Duration deadline, java.time.Instant now) {
    Digest image = Digest.of("rehearsal".getBytes(StandardCharsets.UTF_8));
    List<Recorder.Pending> out = new ArrayList<>();
    out.add(
        new Recorder.Pending(
            ACTOR,
            "rehearsal",
            new JournalEvent.BlueprintApplied(
                "rehearsal.yaml",
                image,
                Optional.empty(),
                new TreeMap<>(Map.of(SERVICE, image)),
                new TreeMap<>(
                    Map.of(
                        SERVICE,
                        new BlueprintEvents.AppliedService(
                            "rehearsal", REPLICAS, strategy, deadline))),
                true)));
    for (int n = 1; n <= 2; n++) {
      // two contents: one environment variable apart
      RuntimeConfig config =
          new RuntimeConfig(
              new TreeMap<>(Map.of("REVISION", "v" + n)),
              List.of(),
              new TreeMap<>(),
              Optional.empty(),
              Optional.of(new Route("*", "/")),
              "process");
      Revision r = new Revision(SERVICE, n, image, config);
      out.add(
          new Recorder.Pending(ACTOR, "rehearsal", new JournalEvent.RevisionCreated(r, "apply")));
      out.add(
          new Recorder.Pending(
              ACTOR,
              "rehearsal",
              new JournalEvent.RolloutStarted(
                  new Rollout(
                      SERVICE,
                      n - 1,
                      n,
                      REPLICAS,
                      strategy,
                      deadline,
                      false,
                      Rollout.Phase.SUCCEEDED,
                      1,
                      Optional.of(now),
                      now,
                      -1,
                      false,
                      Optional.of(now),
                      Rollout.Intent.NONE,
                      List.of()),
                  Optional.empty())));
      out.add(
          new Recorder.Pending(
              ACTOR, "rehearsal", new JournalEvent.TrafficSet(SERVICE, Traffic.all(n))));
    }
    return out;
  }

  /** tmpfs when the host has one (no disk syncs), else the JVM's temp folder. */
  private static Path scratchDir() throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm))
      return Files.createTempDirectory(shm, "kiln-rehearsal-");
    return Files.createTempDirectory("kiln-rehearsal-");
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a scratch folder left in a temp dir: nothing depends on it
    }
  }
}
