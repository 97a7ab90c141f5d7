package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.testkit.FakeDriver;
import dev.kiln.testkit.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An exec health check runs through the driver of the instance's own runtime. */
class RuntimeProbesTest {
  static final HealthCheck EXEC =
      new HealthCheck(
          new HealthCheck.Probe.Exec(List.of("/bin/check")),
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          1,
          3,
          Duration.ofSeconds(60));

  final MutableClock clock = MutableClock.atEpoch();
  final FakeDriver process = new FakeDriver(clock);
  final FakeDriver docker = new FakeDriver(clock);
  final Map<String, RuntimeDriver> drivers = Map.of("process", process, "docker", docker);
  final RuntimeProbes probes = new RuntimeProbes(clock, drivers::get);

  @Test
  void execProbeOfADockerInstanceRunsInDocker_notInTheProcessRuntime() {
    process.onExec(cmd -> new ExecResult(1, "no instance web-1-a in the process runtime"));
    docker.onExec(cmd -> new ExecResult(0, "ok"));
    InstanceId id = InstanceId.of("web-1-a");

    probes.assign(id, "docker");
    assertThat(probes.run(id, 0, EXEC).success()).isTrue();

    probes.assign(id, "process");
    assertThat(probes.run(id, 0, EXEC).message()).contains("exited 1");
  }

  @Test
  void anInstanceOfUnknownRuntimeFailsItsProbeAndSaysWhy() {
    InstanceId id = InstanceId.of("web-1-b");
    probes.assign(id, "docker");
    probes.forget(id);
    var r = probes.run(id, 0, EXEC);
    assertThat(r.success()).isFalse();
    assertThat(r.message()).contains("no runtime known for instance web-1-b");
  }
}
