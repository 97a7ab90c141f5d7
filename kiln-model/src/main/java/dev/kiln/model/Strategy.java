package dev.kiln.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How a service moves from one revision to the next. */
public sealed interface Strategy {
  /** Replace instances a few at a time (defaults: surge 1, unavailable 0). */
  record Rolling(int maxSurge, int maxUnavailable) implements Strategy {
    public static final Rolling DEFAULT = new Rolling(1, 0);

    public Rolling {
      if (maxSurge < 0 || maxUnavailable < 0 || maxSurge + maxUnavailable == 0) {
        throw new IllegalArgumentException("max-surge and max-unavailable cannot both be 0");
      }
    }
  }

  /** Start the whole new fleet, preview it, switch all traffic at once, keep the old one warm. */
  record BlueGreen(Optional<Duration> autoPromote, Duration scaleDownDelay) implements Strategy {
    public static final Duration DEFAULT_SCALE_DOWN_DELAY = Duration.ofMinutes(10);
  }

  /** Shift traffic by weighted steps with pauses, analysing the canary at each step. */
  record Canary(List<CanaryStep> steps, Optional<Analysis> analysis) implements Strategy {
    public Canary {
      steps = List.copyOf(steps);
    }
  }

  /**
   * Send {@code weight} percent to the canary, then wait {@code pause} (empty = until promoted).
   */
  record CanaryStep(int weight, Optional<Duration> pause) {
    public CanaryStep {
      if (weight < 0 || weight > 100) throw new IllegalArgumentException("weight must be 0..100");
    }
  }

  /** Thresholds on the canary's own router metrics; any breach aborts the rollout. */
  record Analysis(double maxErrorRate, Optional<Duration> maxP99, int minRequests) {}
}
