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

  /**
   * Adopted while serving, long past its start deadline: a failed first probe after the control
   * plane's restart is one failure towards {@code unhealthy}, not "failed to start".
   */
  @Test
  void aServingInstance_staysHealthyThroughFailuresBelowTheThreshold_pastItsStartDeadline() {
    HealthTracker adopted =
        HealthTracker.serving(InstanceId.of("web-1"), check, clock.instant().minusSeconds(3600));
    assertThat(adopted.phase()).isEqualTo(HealthPhase.HEALTHY);
    clock.advance(Duration.ofSeconds(1));
    HealthEvent first =
        adopted.observe(ProbeResult.failure("timed out", Duration.ofSeconds(1), clock.instant()));
    assertThat(first.phase()).isEqualTo(HealthPhase.HEALTHY);
    assertThat(first.changed()).isFalse();
    adopted.observe(ProbeResult.failure("timed out", Duration.ofSeconds(1), clock.instant()));
    HealthEvent third =
        adopted.observe(ProbeResult.failure("timed out", Duration.ofSeconds(1), clock.instant()));
    assertThat(third.phase()).isEqualTo(HealthPhase.UNHEALTHY);
    assertThat(
            adopted
                .observe(ProbeResult.success("ok", Duration.ofMillis(2), clock.instant()))
                .phase())
        .isEqualTo(HealthPhase.UNHEALTHY);
  }

  /** The same first failure of a new instance past its start deadline ends it. */
  @Test
  void aStartingInstance_pastItsStartDeadline_failsToStartOnAFailedProbe() {
    HealthTracker late =
        new HealthTracker(InstanceId.of("web-2"), check, clock.instant().minusSeconds(3600));
    assertThat(
            late.observe(ProbeResult.failure("timed out", Duration.ofSeconds(1), clock.instant()))
                .phase())
        .isEqualTo(HealthPhase.FAILED_TO_START);
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

  /**
   * Adopted after a restart while not serving (a warm blue-green fleet), an hour after its start:
   * its start deadline counts from the adoption, so passing probes make it healthy again.
   */
  @Test
  void anAdoptedInstanceThatWasNotServing_getsAWholeStartDeadlineFromItsAdoption() {
    HealthTracker fromItsStart =
        new HealthTracker(InstanceId.of("web-1"), check, clock.instant().minusSeconds(3600));
    HealthTracker adopted = HealthTracker.adopted(InstanceId.of("web-1"), check, clock.instant());
    clock.advance(Duration.ofSeconds(1));
    ProbeResult pass = ProbeResult.success("ok", Duration.ofMillis(3), clock.instant());
    // measured from its start, the first of `healthy: 2` passing probes was a failed start
    assertThat(fromItsStart.observe(pass).phase()).isEqualTo(HealthPhase.FAILED_TO_START);
    assertThat(adopted.observe(pass).phase()).isEqualTo(HealthPhase.STARTING);
    clock.advance(Duration.ofSeconds(1));
    assertThat(adopted.observe(ProbeResult.success("ok", Duration.ZERO, clock.instant())).phase())
        .isEqualTo(HealthPhase.HEALTHY);

    HealthTracker silent = HealthTracker.adopted(InstanceId.of("web-2"), check, clock.instant());
    clock.advance(Duration.ofSeconds(11));
    assertThat(
            silent.observe(ProbeResult.failure("refused", Duration.ZERO, clock.instant())).phase())
        .as("still bounded: no passing probe within the start deadline after adoption")
        .isEqualTo(HealthPhase.FAILED_TO_START);
  }
}
