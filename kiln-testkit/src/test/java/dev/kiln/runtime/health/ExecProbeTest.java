package dev.kiln.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.InstanceId;
import dev.kiln.testkit.FakeDriver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecProbeTest {
  @Test
  void execProbes_goThroughTheDriver_andAFailingCommandIsAFailedResult() {
    FakeDriver driver = new FakeDriver();
    driver.onExec(
        cmd -> cmd.contains("ok") ? new ExecResult(0, "") : new ExecResult(3, "not ready"));
    Probes probes = new Probes(Clock.systemUTC(), driver);
    HealthCheck ok =
        new HealthCheck(
            new HealthCheck.Probe.Exec(List.of("check", "ok")),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            1,
            1,
            Duration.ofSeconds(5));
    HealthCheck bad =
        new HealthCheck(
            new HealthCheck.Probe.Exec(List.of("check")),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            1,
            1,
            Duration.ofSeconds(5));

    assertThat(probes.run(InstanceId.of("a"), 1, ok).success()).isTrue();
    ProbeResult failed = probes.run(InstanceId.of("a"), 1, bad);
    assertThat(failed.success()).isFalse();
    assertThat(failed.message()).isEqualTo("[check] exited 3: not ready");
  }
}
