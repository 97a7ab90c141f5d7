package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The backoff the executor keeps between ticks: failures double the wait (the healer's policy), a
 * service is held until then, and a backoff quiet for the reset period starts the ladder again.
 */
class StartPacingTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aFailureHoldsTheService_untilItsBackoffEnds_andOthersAreNotHeld() {
    StartPacing pacing = new StartPacing();
    assertThat(pacing.holds("web", T0)).isFalse();

    assertThat(pacing.failed("web", T0).notBefore()).isEqualTo(T0.plusSeconds(1));
    assertThat(pacing.holds("web", T0.plusMillis(999))).isTrue();
    assertThat(pacing.holds("api", T0.plusMillis(999))).isFalse();
    assertThat(pacing.holds("web", T0.plusSeconds(1))).isFalse();
  }

  @Test
  void failuresInARowDoubleTheWait_untilAQuietResetPeriodForgetsThem() {
    StartPacing pacing = new StartPacing();
    pacing.failed("web", T0);
    assertThat(pacing.failed("web", T0.plusSeconds(1)).failures()).isEqualTo(2);
    assertThat(pacing.holds("web", T0.plusSeconds(2))).isTrue(); // 1 s + 2 s

    // quiet for longer than the policy's reset period after the wait ended: forgotten
    Instant later = T0.plusSeconds(3).plus(Duration.ofSeconds(61));
    assertThat(pacing.holds("web", later)).isFalse();
    assertThat(pacing.failed("web", later).failures()).isEqualTo(1);
  }

  @Test
  void clearingLetsTheNextStartGoAtOnce() {
    StartPacing pacing = new StartPacing();
    pacing.failed("web", T0);
    pacing.clear("web");
    assertThat(pacing.holds("web", T0)).isFalse();
  }
}
