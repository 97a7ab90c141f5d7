package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance;
import dev.kiln.model.Digest;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.testkit.Instances;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Which replacement completes which move: pure decisions over what the runtime reported. */
class MovesTest {
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp;

  static final Digest IMAGE = Digest.of(new byte[] {1});
  static final Instant T = Instant.parse("2026-11-30T00:00:00Z");

  static InstanceStatus status(
      String id, int revision, InstanceStatus.State state, Optional<String> host, String detail) {
    return new InstanceStatus(
        Instances.spec(id, IMAGE).service("web").revision(revision).build(),
        state,
        T,
        OptionalInt.empty(),
        Optional.of(detail),
        host);
  }

  static final Moves.Lost LOST =
      new Moves.Lost("web", 2, "web-2-a", "10.0.0.3", "lost: node 10.0.0.3 is down (task t1)");

  static ObservedInstance observed(String id, ObservedInstance.Phase phase, int failures) {
    return new ObservedInstance(id, "web", 2, phase, T, failures);
  }

  @Test
  void anInstanceEndedOnAnotherHost_isLost_withTheNodeAndTheRuntimesReason() {
    InstanceStatus exited =
        status(
            "web-2-a",
            2,
            InstanceStatus.State.EXITED,
            Optional.of("10.0.0.3"),
            "lost: node 10.0.0.3 is down (task t1)");
    assertThat(Moves.lost(observed("web-2-a", ObservedInstance.Phase.EXITED, 0), exited))
        .contains(LOST);
  }

  @Test
  void anInstanceFailingItsChecksOnAnotherHost_isLost_beforeTheEngineSaysSo() {
    InstanceStatus stillRunning =
        status("web-2-a", 2, InstanceStatus.State.RUNNING, Optional.of("10.0.0.3"), "running");
    assertThat(Moves.lost(observed("web-2-a", ObservedInstance.Phase.UNHEALTHY, 3), stillRunning))
        .contains(
            new Moves.Lost(
                "web",
                2,
                "web-2-a",
                "10.0.0.3",
                "persistently unhealthy on node 10.0.0.3 (3 failed checks)"));
  }

  @Test
  void liveInstances_andInstancesOnThisHost_areNeverLost() {
    InstanceStatus running =
        status("web-2-a", 2, InstanceStatus.State.RUNNING, Optional.of("10.0.0.3"), "ok");
    assertThat(Moves.lost(observed("web-2-a", ObservedInstance.Phase.HEALTHY, 0), running))
        .isEmpty();
    assertThat(Moves.lost(observed("web-2-a", ObservedInstance.Phase.STARTING, 1), running))
        .isEmpty();
    InstanceStatus local =
        status("web-2-a", 2, InstanceStatus.State.EXITED, Optional.empty(), "exit 1");
    assertThat(Moves.lost(observed("web-2-a", ObservedInstance.Phase.EXITED, 0), local)).isEmpty();
  }

  @Test
  void aReplacementOfTheSameRevisionOnAnotherNode_isAMove_fromTheLostNodeToItsNode() {
    InstanceStatus fresh =
        status("web-2-b", 2, InstanceStatus.State.RUNNING, Optional.of("10.0.0.2"), "running");

    Moves.Match m = Moves.match(List.of(LOST), "web", 2, fresh).orElseThrow();

    assertThat(m.lost()).isEqualTo(LOST);
    assertThat(m.event())
        .contains(
            new JournalEvent.InstanceMoved(
                "web",
                2,
                "web-2-a",
                "10.0.0.3",
                "web-2-b",
                "10.0.0.2",
                "lost: node 10.0.0.3 is down (task t1)"));
  }

  @Test
  void aReplacementOnTheSameNode_isMatched_butIsNoMove() {
    InstanceStatus fresh =
        status("web-2-b", 2, InstanceStatus.State.RUNNING, Optional.of("10.0.0.3"), "running");

    Moves.Match m = Moves.match(List.of(LOST), "web", 2, fresh).orElseThrow();

    assertThat(m.event()).isEmpty();
  }

  @Test
  void anotherRevisionOrService_orAStartOnThisHost_completesNoMove() {
    InstanceStatus rev3 =
        status("web-3-b", 3, InstanceStatus.State.RUNNING, Optional.of("10.0.0.2"), "running");
    InstanceStatus local =
        status("web-2-b", 2, InstanceStatus.State.RUNNING, Optional.empty(), "running");
    assertThat(Moves.match(List.of(LOST), "web", 3, rev3)).isEmpty();
    assertThat(Moves.match(List.of(LOST), "api", 2, rev3)).isEmpty();
    assertThat(Moves.match(List.of(LOST), "web", 2, local)).isEmpty();
  }

  @Test
  void theOldestLostInstance_isReplacedFirst() {
    Moves.Lost second = new Moves.Lost("web", 2, "web-2-c", "10.0.0.3", "lost");
    InstanceStatus fresh =
        status("web-2-d", 2, InstanceStatus.State.RUNNING, Optional.of("10.0.0.1"), "running");

    assertThat(Moves.match(List.of(LOST, second), "web", 2, fresh).orElseThrow().lost())
        .isEqualTo(LOST);
  }

  @Test
  void aProcessInstanceReplaced_isNoMove_itsNamespaceAddressIsNoNode() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      InstanceStatus unhealthy =
          status("web-2-a", 2, InstanceStatus.State.RUNNING, Optional.of("10.78.57.98"), "running");
      InstanceStatus fresh =
          status("web-2-b", 2, InstanceStatus.State.RUNNING, Optional.of("10.78.74.18"), "running");
      Moves moves = new Moves(h.rec);

      moves.observe(observed("web-2-a", ObservedInstance.Phase.UNHEALTHY, 0), unhealthy, "process");
      moves.started(2, fresh, "process");
      assertThat(h.kinds()).doesNotContain("instance-moved");

      moves.observe(observed("web-2-a", ObservedInstance.Phase.UNHEALTHY, 3), unhealthy, "swarm");
      moves.started(2, fresh, "swarm");
      assertThat(h.kinds()).containsOnlyOnce("instance-moved");
    }
  }
}
