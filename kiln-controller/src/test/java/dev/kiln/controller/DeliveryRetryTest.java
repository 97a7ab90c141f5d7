package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.DeliveryRetry.Attempt;
import dev.kiln.controller.DeliveryRetry.Next;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The webhook retry schedule: doubling, capped, jittered into the upper half, bounded. */
class DeliveryRetryTest {
  static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");
  final DeliveryRetry retry = new DeliveryRetry(Duration.ofSeconds(1), Duration.ofSeconds(10), 5);

  @Test
  void theWaitDoubles_untilTheCap() {
    // jitter just under 1 gives the top of each window
    assertThat(retry.delay(1, 0.999999)).isEqualTo(Duration.ofMillis(999));
    assertThat(retry.delay(2, 0.999999)).isEqualTo(Duration.ofMillis(1999));
    assertThat(retry.delay(3, 0.999999)).isEqualTo(Duration.ofMillis(3999));
    assertThat(retry.delay(4, 0.999999)).isEqualTo(Duration.ofMillis(7999));
    assertThat(retry.delay(5, 0.999999)).isEqualTo(Duration.ofMillis(9999));
    assertThat(retry.delay(60, 0.999999)).isEqualTo(Duration.ofMillis(9999));
  }

  @Test
  void jitter_staysInTheUpperHalfOfEachWindow() {
    assertThat(retry.delay(3, 0.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(retry.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> retry.delay(3, 1.0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a2xx_isDelivered() {
    assertThat(retry.after(3, new Attempt.Answered(204), NOW, 0.5))
        .isEqualTo(new Next.Delivered(204, 3));
  }

  @Test
  void serverErrors_timeouts_andNoAnswer_areRetriedAfterTheBackoff() {
    assertThat(retry.after(1, new Attempt.Answered(503), NOW, 0.0))
        .isEqualTo(new Next.RetryAt(NOW.plusMillis(500), 1));
    assertThat(retry.after(2, new Attempt.Answered(429), NOW, 0.0))
        .isEqualTo(new Next.RetryAt(NOW.plusSeconds(1), 2));
    assertThat(retry.after(2, new Attempt.Answered(408), NOW, 0.0))
        .isInstanceOf(Next.RetryAt.class);
    assertThat(retry.after(1, new Attempt.NoAnswer("connection refused"), NOW, 0.0))
        .isInstanceOf(Next.RetryAt.class);
  }

  @Test
  void theLastAttempt_givesUp_namingTheLastError() {
    assertThat(retry.after(5, new Attempt.Answered(500), NOW, 0.0))
        .isEqualTo(new Next.GiveUp(500, 5, "HTTP 500 after 5 attempts"));
    assertThat(retry.after(5, new Attempt.NoAnswer("connection refused"), NOW, 0.0))
        .isEqualTo(new Next.GiveUp(0, 5, "connection refused after 5 attempts"));
  }

  @Test
  void theReceiversConsideredAnswer_isNotRetried() {
    assertThat(retry.after(1, new Attempt.Answered(401), NOW, 0.0))
        .isEqualTo(new Next.GiveUp(401, 1, "HTTP 401 (not retried: the receiver's answer)"));
    assertThat(retry.after(1, new Attempt.Answered(302), NOW, 0.0)).isInstanceOf(Next.GiveUp.class);
  }

  @Test
  void theDefault_waitsLongEnoughForAReceiverToBeRedeployed() {
    DeliveryRetry d = DeliveryRetry.DEFAULT;
    Duration least = Duration.ZERO;
    Duration most = Duration.ZERO;
    for (int n = 1; n < d.maxAttempts(); n++) {
      least = least.plus(d.delay(n, 0.0));
      most = most.plus(d.delay(n, 0.999999));
    }
    assertThat(least).isEqualTo(Duration.ofMillis(255_500));
    assertThat(most).isBetween(Duration.ofSeconds(510), Duration.ofSeconds(511));
  }

  @Test
  void nonsenseSettings_areRefused() {
    assertThatThrownBy(() -> new DeliveryRetry(Duration.ZERO, Duration.ofSeconds(1), 3))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new DeliveryRetry(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
        .hasMessageContaining("shorter");
    assertThatThrownBy(() -> new DeliveryRetry(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
        .hasMessageContaining("maxAttempts");
  }
}
