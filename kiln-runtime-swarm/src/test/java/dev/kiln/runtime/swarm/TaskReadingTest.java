package dev.kiln.runtime.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.runtime.swarm.TaskReading.Node;
import dev.kiln.runtime.swarm.TaskReading.Observed;
import dev.kiln.runtime.swarm.TaskReading.Task;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TaskReadingTest {
  static final Map<String, Node> NODES =
      Map.of(
          "n1", new Node("n1", true, "10.0.0.1"),
          "n2", new Node("n2", false, "10.0.0.2"));

  static Task task(String state, String node, OptionalInt exit, String err, String created) {
    return new Task(
        "t-" + created, state, "running", Optional.ofNullable(node), exit, err, created);
  }

  @Test
  void aRunningTaskOnAReadyNode_isRunning_atThatNodesAddress() {
    Observed seen =
        TaskReading.read(List.of(task("running", "n1", OptionalInt.empty(), "", "1")), NODES);
    assertThat(seen)
        .isInstanceOfSatisfying(
            Observed.Running.class, r -> assertThat(r.host()).isEqualTo("10.0.0.1"));
  }

  @Test
  void aRunningTaskOnALostNode_isExited_soThatKilnReplacesIt() {
    Observed seen =
        TaskReading.read(List.of(task("running", "n2", OptionalInt.empty(), "", "1")), NODES);
    assertThat(seen)
        .isInstanceOfSatisfying(
            Observed.Exited.class,
            x -> {
              assertThat(x.failedToStart()).isFalse();
              assertThat(x.nodeLost()).as("no exit code will come").isTrue();
              assertThat(x.detail()).contains("10.0.0.2 is down");
              assertThat(x.host()).hasValue("10.0.0.2");
            });
  }

  @Test
  void aProcessThatExitedNonZero_isExitedWithItsCode_notAFailedStart() {
    Observed seen =
        TaskReading.read(
            List.of(task("failed", "n1", OptionalInt.of(7), "task: non-zero exit (7)", "1")),
            NODES);
    assertThat(seen)
        .isInstanceOfSatisfying(
            Observed.Exited.class,
            x -> {
              assertThat(x.exitCode()).hasValue(7);
              assertThat(x.failedToStart()).isFalse();
            });
  }

  @Test
  void aContainerTheEngineCouldNotStart_isAFailedStart_withTheEnginesReason() {
    String err = "starting container failed: exec: \"/bin/nope\": no such file or directory";
    Observed seen =
        TaskReading.read(List.of(task("failed", "n1", OptionalInt.of(127), err, "1")), NODES);
    assertThat(seen)
        .isInstanceOfSatisfying(
            Observed.Exited.class,
            x -> {
              assertThat(x.failedToStart()).isTrue();
              assertThat(x.detail()).contains("/bin/nope");
            });
  }

  @Test
  void aStoppedInstance_isReadFromItsPlacedTask_notFromTheParkedOne() {
    Observed seen =
        TaskReading.read(
            List.of(
                task("shutdown", "n1", OptionalInt.of(0), "", "1"),
                task("pending", null, OptionalInt.empty(), "no suitable node", "2")),
            NODES);
    assertThat(seen)
        .isInstanceOfSatisfying(Observed.Exited.class, x -> assertThat(x.exitCode()).hasValue(0));
  }

  @Test
  void aTaskNotYetPlaced_isStarting() {
    Observed seen =
        TaskReading.read(List.of(task("pending", null, OptionalInt.empty(), "", "1")), NODES);
    assertThat(seen).isInstanceOf(Observed.Starting.class);
  }
}
