package dev.kiln.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.InstanceId;
import dev.kiln.testkit.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {
  private final MutableClock clock = MutableClock.atEpoch();
  private final HealthCheck check =
      new HealthCheck(
          new HealthCheck.Probe.Tcp(),
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          2,
          3,
          Duration.ofSeconds(10));
  private final HealthTracker tracker =
      new HealthTracker(InstanceId.of("web-1"), check, clock.instant());

  private HealthEvent ok() {
    clock.advance(Duration.ofSeconds(1));
    return tracker.observe(ProbeResult.success("ok", Duration.ofMillis(3), clock.instant()));
  }

  private HealthEvent fail() {
    clock.advance(Duration.ofSeconds(1));
    return tracker.observe(ProbeResult.failure("refused", Duration.ofMillis(1), clock.instant()));
  }

  @Test
  void becomesHealthy_afterHealthyConsecutiveSuccesses() {
    assertThat(ok().phase()).isEqualTo(HealthPhase.STARTING);
    HealthEvent second = ok();
    assertThat(second.phase()).isEqualTo(HealthPhase.HEALTHY);
    assertThat(second.changed()).isTrue();
    assertThat(second.latency()).isEqualTo(Duration.ofMillis(3));
  }

  @Test
  void aFailureResetsTheSuccessCount() {
    ok();
    fail();
    assertThat(ok().phase()).isEqualTo(HealthPhase.STARTING);
    assertThat(ok().phase()).isEqualTo(HealthPhase.HEALTHY);
  }

  @Test
  void becomesUnhealthy_onlyAfterUnhealthyConsecutiveFailures_andRecovers() {
    ok();
    ok();
    assertThat(fail().phase()).isEqualTo(HealthPhase.HEALTHY);
    assertThat(fail().phase()).isEqualTo(HealthPhase.HEALTHY);
    HealthEvent third = fail();
    assertThat(third.phase()).isEqualTo(HealthPhase.UNHEALTHY);
    assertThat(third.message()).isEqualTo("refused");
    assertThat(ok().phase()).isEqualTo(HealthPhase.UNHEALTHY);
    assertThat(ok().phase()).isEqualTo(HealthPhase.HEALTHY);
  }

  @Test
  void failsToStart_whenNotHealthyByTheStartDeadline_andStaysFailed() {
    for (int i = 0; i < 10; i++) assertThat(fail().phase()).isEqualTo(HealthPhase.STARTING);
    HealthEvent late = fail();
    assertThat(late.phase()).isEqualTo(HealthPhase.FAILED_TO_START);
    assertThat(late.changed()).isTrue();
    assertThat(ok().phase()).isEqualTo(HealthPhase.FAILED_TO_START);
    assertThat(ok().phase()).isEqualTo(HealthPhase.FAILED_TO_START);
  }

  @Test
  void aHealthyInstanceIsNotFailedByTheStartDeadline() {
    ok();
    ok();
    clock.advance(Duration.ofMinutes(5));
    assertThat(fail().phase()).isEqualTo(HealthPhase.HEALTHY);
  }
}
