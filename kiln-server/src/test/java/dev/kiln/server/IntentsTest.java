package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.Action;
import dev.kiln.controller.ControllerException;
import dev.kiln.controller.Rollout;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.health.HealthEvent;
import dev.kiln.runtime.health.HealthPhase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users' requests are recorded as intent; a rollback to a warm fleet is one journaled swap. */
class IntentsTest {
  @TempDir Path tmp;

  static final String BLUE_GREEN = "    strategy:\n      blue-green: { scale-down-delay: 10m }\n";

  private static String phase(ServerHarness h) {
    Rollout r = h.state.rollout("web").orElseThrow();
    return r.phase() + "/" + r.step();
  }

  @Test
  void requestsAreRecordedAsIntent_andRefusedWithTheRightDomainError() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");

      Rollout paused = h.intents.request("web", "pause", "bob");
      assertThat(paused.intent().pause()).isTrue();
      JournalEvent.RolloutIntent recorded =
          (JournalEvent.RolloutIntent) h.events(JournalEvent.RolloutIntent.class).getLast();
      assertThat(recorded.request()).contains("pause");
      assertThat(h.entries().getLast().actor()).isEqualTo("bob");
      assertThat(h.intents.request("web", "abort", "bob").intent().abort()).isTrue();

      assertThatThrownBy(() -> h.intents.request("web", "explode", "bob"))
          .isInstanceOf(ServerException.NotFound.class);
      assertThatThrownBy(() -> h.intents.request("nope", "pause", "bob"))
          .isInstanceOf(ServerException.NotFound.class)
          .hasMessage("no service named 'nope'; known: web");
      h.tickUntil(
          () -> h.state.rollout("web").orElseThrow().phase().isTerminal(),
          Duration.ofMillis(200),
          5);
      assertThatThrownBy(() -> h.intents.request("web", "promote", "bob"))
          .isInstanceOf(ServerException.Conflict.class)
          .hasMessageContaining("no rollout in progress");
    }
  }

  @Test
  void rollbackToAWarmFleet_adoptsItsInstances_andSwapsTheRouteInOneStep() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> phase(h).startsWith("SUCCEEDED"), Duration.ofMillis(200), 10);
      h.image("hello", "B", h.key);
      h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
      h.tick();
      h.allHealthy(2);
      h.tickUntil(() -> phase(h).equals("PROGRESSING/1"), Duration.ofMillis(200), 10);
      h.intents.request("web", "promote", "alice");
      h.tickUntil(() -> phase(h).startsWith("SCALING_DOWN"), Duration.ofMillis(200), 10);
      assertThat(h.data.backends("web")).containsExactly("web-2-0002@2");
      int before = h.entries().size();

      var back = h.intents.rollback("web", Optional.empty(), "bob");

      assertThat(back.mode()).isEqualTo("swap");
      assertThat(back.revision().number()).isEqualTo(3);
      assertThat(h.kinds().subList(before, h.kinds().size()))
          .containsExactly(
              "rollback",
              "revision-created",
              "rollback",
              "instance-adopted",
              "traffic-set",
              "rollout-started");
      assertThat(h.entries().getLast().cause()).isEqualTo("rollback: revision 2 -> 3");
      // the warm instance of revision 1 now serves revision 3, in the table already published
      assertThat(h.data.backends("web")).containsExactly("web-1-0001@3");
      assertThat(h.state.traffic("web").weights()).containsEntry(3, 100);
    }
  }

  @Test
  void rollbackByDefault_skipsARevisionWhoseRolloutWasAborted_andSwapsToTheOneLiveBefore()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> phase(h).startsWith("SUCCEEDED"), Duration.ofMillis(200), 10);
      // revision 2 (B) is aborted in its preview: it never takes the traffic
      h.image("hello", "B", h.key);
      h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
      h.tick();
      h.intents.request("web", "abort", "alice");
      h.tickUntil(() -> phase(h).startsWith("ABORTED"), Duration.ofMillis(200), 10);
      // revision 3 (C) goes live over revision 1, whose fleet stays warm
      h.image("hello", "C", h.key);
      h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
      h.tickUntil(
          () -> {
            h.allHealthy(3);
            return phase(h).equals("PROGRESSING/1");
          },
          Duration.ofMillis(200),
          10);
      h.intents.request("web", "promote", "alice");
      h.tickUntil(() -> phase(h).startsWith("SCALING_DOWN"), Duration.ofMillis(200), 10);
      assertThat(h.state.servedRevisions("web")).containsExactlyInAnyOrder(1, 3);

      var back = h.intents.rollback("web", Optional.empty(), "bob");

      // the content of revision 1 (A), one swap to its warm fleet; not the aborted B
      assertThat(back.revision().image())
          .isEqualTo(h.state.revision("web", 1).orElseThrow().image());
      assertThat(back.mode()).isEqualTo("swap");
      assertThat(h.data.backends("web")).containsExactly("web-1-0001@4");
    }
  }

  /** Revision 2 serves, revision 1's instance is still warm (scale-down delay): a swap away. */
  private static void liveWithAWarmFleet(ServerHarness h) throws Exception {
    h.image("hello", "A", h.key);
    h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
    h.tick();
    h.allHealthy(1);
    h.tickUntil(() -> phase(h).startsWith("SUCCEEDED"), Duration.ofMillis(200), 10);
    h.image("hello", "B", h.key);
    h.applier.apply(h.blueprint("hello", 1, BLUE_GREEN), "alice");
    h.tick();
    h.allHealthy(2);
    h.tickUntil(() -> phase(h).equals("PROGRESSING/1"), Duration.ofMillis(200), 10);
    h.intents.request("web", "promote", "alice");
    h.tickUntil(() -> phase(h).startsWith("SCALING_DOWN"), Duration.ofMillis(200), 10);
    assertThat(h.data.backends("web")).containsExactly("web-2-0002@2");
  }

  @Test
  void rollback_decidesFromTheLastListing_withHealthAsProbedSinceIt() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      liveWithAWarmFleet(h);
      // the warm instance fails its probes after the last tick listed it healthy
      h.health.record(
          new HealthEvent(
              InstanceId.of("web-1-0001"),
              HealthPhase.UNHEALTHY,
              true,
              "connection refused",
              Duration.ZERO,
              h.clock.instant(),
              0,
              3));

      var back = h.intents.rollback("web", Optional.empty(), "bob");

      // not adopted into the route: its replacement starts instead
      assertThat(back.mode()).isEqualTo("fast-track");
      assertThat(h.data.backends("web")).containsExactly("web-2-0002@2");
    }
  }

  @Test
  void twoRollbacksWithoutATickBetween_eachSwapsToTheFleetItsRevisionNowNames() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      liveWithAWarmFleet(h);

      assertThat(h.intents.rollback("web", Optional.empty(), "bob").mode()).isEqualTo("swap");
      assertThat(h.data.backends("web")).containsExactly("web-1-0001@3");
      // no tick in between: the listing is the same, the revisions its instances serve are not
      var again = h.intents.rollback("web", Optional.empty(), "bob");

      assertThat(again.mode()).isEqualTo("swap");
      assertThat(again.revision().number()).isEqualTo(4);
      assertThat(h.data.backends("web")).containsExactly("web-2-0002@4");
      assertThat(h.state.traffic("web").weights()).containsEntry(4, 100);
    }
  }

  @Test
  void aStopThatBeganAndEndedAfterTheLastListing_leavesNothingToAdopt() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      liveWithAWarmFleet(h);
      List<java.util.concurrent.CompletableFuture<Void>> stops =
          h.executor.call(
              () ->
                  h.executor.act(
                      "tester",
                      "test",
                      List.of(new Action.StopInstance("web", "web-1-0001", "test", false)),
                      List.of()));
      for (var s : stops) s.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(h.running()).doesNotContain("web-1-0001");

      var back = h.intents.rollback("web", Optional.empty(), "bob");

      assertThat(back.mode()).isEqualTo("fast-track");
      assertThat(h.data.backends("web")).containsExactly("web-2-0002@2");
    }
  }

  @Test
  void rollbackToARevisionThatNeverExisted_isNotFound() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      h.tick();
      h.allHealthy(1);
      h.tickUntil(
          () -> h.state.rollout("web").orElseThrow().phase().isTerminal(),
          Duration.ofMillis(200),
          10);
      assertThatThrownBy(() -> h.intents.rollback("web", Optional.of(9), "bob"))
          .isInstanceOfSatisfying(
              ControllerException.NoSuchRevision.class,
              e -> assertThat(ErrorStatus.statusOf(e)).isEqualTo(404));
      assertThat(h.kinds()).doesNotContain("rollback");
      assertThat(List.of(h.state.revisions("web").size())).containsExactly(1);
    }
  }

  @Test
  void aRollbackDoesNotWaitForTheTicksListing_whichIsTakenOffTheExecutorThread() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      liveWithAWarmFleet(h);
      var listing = new java.util.concurrent.CountDownLatch(1);
      var release = new java.util.concurrent.CountDownLatch(1);
      h.driver.onList(
          () -> {
            listing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      try {
        h.executor.resume();
        h.executor.start();
        // a tick's listing is in progress, and held there
        assertThat(listing.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        var back =
            java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> h.intents.rollback("web", Optional.empty(), "bob"))
                .get(30, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(back.mode()).isEqualTo("swap");
        assertThat(h.data.backends("web")).containsExactly("web-1-0001@3");
      } finally {
        release.countDown();
        h.driver.onList(() -> {});
      }
    }
  }
}
