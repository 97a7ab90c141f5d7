package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.AnalysisResult.Verdict;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanaryAnalysisTest {
  private static final Strategy.Analysis THRESHOLDS =
      new Strategy.Analysis(0.01, Optional.of(Duration.ofMillis(250)), 100);

  @Test
  void withinThresholdsPasses() {
    AnalysisResult r =
        CanaryAnalysis.evaluate(THRESHOLDS, new RevisionMetrics(200, 1, Duration.ofMillis(120)));
    assertThat(r.verdict()).isEqualTo(Verdict.PASS);
    assertThat(r.reason()).isEqualTo("error rate 0.50%, p99 120ms over 200 requests");
  }

  @Test
  void errorRateAboveMaximumFailsWithTheNumbers() {
    AnalysisResult r =
        CanaryAnalysis.evaluate(THRESHOLDS, new RevisionMetrics(200, 5, Duration.ofMillis(120)));
    assertThat(r)
        .isEqualTo(
            AnalysisResult.fail("error rate 2.50% > max 1.00% (5 of 200 requests answered 5xx)"));
  }

  @Test
  void p99AboveMaximumFails() {
    AnalysisResult r =
        CanaryAnalysis.evaluate(THRESHOLDS, new RevisionMetrics(200, 0, Duration.ofMillis(300)));
    assertThat(r).isEqualTo(AnalysisResult.fail("p99 latency 300ms > max 250ms"));
  }

  @Test
  void tooFewRequestsIsInconclusiveNotAPass() {
    AnalysisResult r =
        CanaryAnalysis.evaluate(THRESHOLDS, new RevisionMetrics(99, 50, Duration.ofSeconds(9)));
    assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(r.reason()).contains("99 requests").contains("minimum 100");
  }

  @Test
  void exactlyAtTheThresholdsPasses() {
    AnalysisResult r =
        CanaryAnalysis.evaluate(THRESHOLDS, new RevisionMetrics(100, 1, Duration.ofMillis(250)));
    assertThat(r.verdict()).isEqualTo(Verdict.PASS);
  }
}
