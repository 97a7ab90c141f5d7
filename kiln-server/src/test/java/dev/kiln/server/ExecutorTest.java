package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Rollout;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Entry;
import dev.kiln.runtime.InstanceId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor with a fake runtime, a mutable clock and a real journal: it journals before it acts,
 * drains before it stops, paces failed starts and gives up on refused images.
 */
class ExecutorTest {
  @TempDir Path tmp;

  static final Duration TICK = Duration.ofMillis(200);

  /** Service web on image A with this many replicas, its rollout succeeded. */
  private static void rolledOut(ServerHarness h, int replicas) throws Exception {
    h.image("hello", "A", h.key);
    h.applier.apply(h.blueprint("hello", replicas, ""), "tester");
    h.tick();
    h.allHealthy(1);
    h.tickUntil(() -> rolloutPhase(h).equals("SUCCEEDED"), TICK, 10);
  }

  /** One tick on the executor's thread from {@code listing}, taken earlier. */
  private static void reconcileFrom(ServerHarness h, Observer.Listing listing) {
    h.executor.call(
        () -> {
          h.executor.reconcile(listing);
          return null;
        });
  }

  private static String rolloutPhase(ServerHarness h) {
    return h.state.rollout("web").map(r -> r.phase().name()).orElse("none");
  }

  @Test
  void everyStartIsJournaledBeforeTheRuntimeSeesIt() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ""), "tester");
      h.tick();

      assertThat(h.running()).containsExactly("web-1-0001", "web-1-0002");
      assertThat(h.events).hasSize(2).containsOnly("journaled before the driver started it");
      JournalEvent.InstanceStarting starting =
          (JournalEvent.InstanceStarting) h.events(JournalEvent.InstanceStarting.class).getFirst();
      assertThat(starting.instances()).containsExactly("web-1-0001", "web-1-0002");
    }
  }

  @Test
  void aRollingReplacement_takesTheOldInstanceOutOfTheRoute_andStopsItOnlyOnceDrained()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "tester");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> rolloutPhase(h).equals("SUCCEEDED"), TICK, 10);
      assertThat(h.data.backends("web")).containsExactly("web-1-0001@1");

      h.image("hello", "B", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "tester");
      h.data.drainAtOnce = false;
      h.tick();
      h.allHealthy(2);
      h.tickUntil(() -> h.data.backends("web").equals(List.of("web-2-0002@2")), TICK, 10);

      // out of the route, not stopped: requests in flight finish first
      assertThat(h.running()).contains("web-1-0001");
      List<String> kinds = h.kinds();
      assertThat(kinds).contains("instance-stopping");
      h.data.finishDrains();
      h.tickUntil(() -> !h.running().contains("web-1-0001"), TICK, 50);
      assertThat(h.running()).containsExactly("web-2-0002");
    }
  }

  @Test
  void ticksWithoutACanaryStep_neverAskTheRouterForItsMetrics() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "tester");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> rolloutPhase(h).equals("SUCCEEDED"), TICK, 10);
      h.tick();

      // from a router process each ask is an HTTP call that would hold the executor thread
      assertThat(h.data.metricsAsked).hasValue(0);
    }
  }

  @Test
  void afterARolloutSucceeded_theJournalNoLongerSaysProgressing() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ""), "tester");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> rolloutPhase(h).equals("SUCCEEDED"), TICK, 10);
      for (int i = 0; i < 3; i++) h.tick();
      List<Entry> entries = h.entries();
      int succeeded = entries.stream().map(Entry::kind).toList().indexOf("rollout-succeeded");
      assertThat(succeeded).isNotNegative();
      assertThat(entries.subList(succeeded, entries.size()))
          .extracting(Entry::cause)
          .noneMatch(c -> c.contains("PROGRESSING"));
    }
  }

  @Test
  void failedStartsBackOffByTheHealersPolicy_andTheProgressDeadlineAbortsTheRollout()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.driver.failStarts(Optional.of("no space left on device"));
      h.applier.apply(h.blueprint("hello", 1, "    progress-deadline: 30s\n"), "tester");
      h.tick();
      h.tick(); // still inside the first second: no new attempt
      h.clock.advance(Duration.ofSeconds(1));
      h.tick();
      h.clock.advance(Duration.ofSeconds(1));
      h.tick(); // only one of the two seconds of the second wait has passed
      List<Duration> waits =
          h.events(JournalEvent.InstanceFailed.class).stream()
              .map(e -> ((JournalEvent.InstanceFailed) e).retryIn())
              .toList();
      assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));

      h.tickUntil(() -> rolloutPhase(h).equals("ABORTED"), Duration.ofSeconds(5), 20);
      assertThat(h.running()).isEmpty();
    }
  }

  @Test
  void anImageRefusedAtStart_abortsItsRolloutAtOnce_withoutRetrying() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      Descriptor a = h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "tester");
      h.resign(a, HostKey.generate(tmp.resolve("other-keys")));
      h.tick();
      h.tick();

      assertThat(h.running()).isEmpty();
      assertThat(h.kinds())
          .containsSubsequence(
              "instance-starting", "image-refused", "instance-failed", "rollout-intent");
      assertThat(h.state.rollout("web").orElseThrow().phase()).isEqualTo(Rollout.Phase.ABORTED);
      assertThat(h.kinds().stream().filter("instance-starting"::equals)).hasSize(1);
    }
  }

  @Test
  void aRestartedServerAdoptsTheInstancesStillRunning_andStartsNoNewOnes() throws Exception {
    ServerHarness.Runtime runtime = new ServerHarness.Runtime();
    try (ServerHarness h = new ServerHarness(tmp, runtime)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ""), "tester");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> rolloutPhase(h).equals("SUCCEEDED"), TICK, 10);
    }
    try (ServerHarness again = new ServerHarness(tmp, runtime)) {
      long before = again.entries().size();
      again.allHealthy(1);
      for (int i = 0; i < 5; i++) {
        again.tick();
        again.clock.advance(TICK);
      }
      List<Entry> after = again.entries().subList((int) before, again.entries().size());
      assertThat(after).extracting(Entry::kind).doesNotContain("instance-starting");
      assertThat(again.running()).containsExactly("web-1-0001", "web-1-0002");
      assertThat(again.data.backends("web"))
          .containsExactlyInAnyOrder("web-1-0001@1", "web-1-0002@1");
    }
  }

  @Test
  void anInstanceThatCrashesIsReplaced_andACrashLoopIsPaced() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "tester");
      h.tick();
      // the new instance exits before it is ever healthy, again and again
      for (int round = 0; round < 3; round++) {
        for (String id : h.running()) h.driver.crash(InstanceId.of(id), 1);
        h.tick();
        h.clock.advance(Duration.ofMillis(100));
      }
      long starts =
          h.events(JournalEvent.InstanceStarting.class).stream()
              .mapToLong(e -> ((JournalEvent.InstanceStarting) e).instances().size())
              .sum();
      // one start, one replacement, then the backoff holds within the first second
      assertThat(starts).isEqualTo(2);
      h.clock.advance(Duration.ofSeconds(1));
      h.tick();
      assertThat(
              h.events(JournalEvent.InstanceStarting.class).stream()
                  .mapToLong(e -> ((JournalEvent.InstanceStarting) e).instances().size())
                  .sum())
          .isEqualTo(3);
    }
  }

  @Test
  void aListingTakenBeforeAStart_isDropped_soTheStartedInstancesAreNotStartedAgain()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ""), "tester");
      // taken on the lister thread (here: the test's) before the loop starts the two instances
      Observer.Listing before = h.executor.list();
      h.tick();
      assertThat(h.running()).containsExactly("web-1-0001", "web-1-0002");

      reconcileFrom(h, before);

      // the empty listing would have said both are missing, and the planner would start two more
      assertThat(h.executor.relisted()).isEqualTo(1);
      assertThat(h.driver.started()).hasSize(2);
      assertThat(h.running()).containsExactly("web-1-0001", "web-1-0002");
    }
  }

  @Test
  void aListingTakenBeforeAStopThatHasEndedSince_isDropped_soTheStoppedInstanceIsNotSeenAlive()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      rolledOut(h, 2);
      Observer.Listing before = h.executor.list();
      List<java.util.concurrent.CompletableFuture<Void>> stops =
          h.executor.call(
              () ->
                  h.executor.act(
                      "tester",
                      "test",
                      List.of(
                          new dev.kiln.controller.Action.StopInstance(
                              "web", "web-1-0001", "test", false)),
                      List.of()));
      for (var stop : stops) stop.get(10, java.util.concurrent.TimeUnit.SECONDS);

      reconcileFrom(h, before);

      // the stale listing shows it running, neither leaving then nor stopping now: alive
      assertThat(h.executor.relisted()).isEqualTo(1);
      assertThat(h.executor.observed())
          .extracting(o -> o.instance().id())
          .doesNotContain("web-1-0001");
      assertThat(h.kinds().stream().filter("instance-stopping"::equals)).hasSize(1);
    }
  }

  @Test
  void aListingWithNoStartOrStopSince_isUsedAsTaken_evenWhenAnInstanceExitedMeanwhile()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      rolledOut(h, 1);
      Observer.Listing before = h.executor.list();
      // the runtime's own news (an exit) is no start or stop of the executor's: any listing is
      // as of one moment, and the next one shows it
      h.driver.crash(InstanceId.of("web-1-0001"), 1);

      reconcileFrom(h, before);

      assertThat(h.executor.relisted()).isZero();
      assertThat(h.executor.observed())
          .extracting(o -> o.instance().phase().name())
          .containsExactly("HEALTHY");
      h.tick();
      assertThat(h.executor.observed())
          .filteredOn(o -> o.instance().id().equals("web-1-0001"))
          .extracting(o -> o.instance().phase().name())
          .containsExactly("EXITED");
    }
  }
}
