package dev.kiln.controller;

import dev.kiln.model.Strategy;
import java.util.Locale;

/**
 * Judges a canary by its own router metrics against the blueprint's thresholds. Below the minimum
 * request count the result is inconclusive rather than a pass: a canary that got no traffic has
 * proven nothing.
 */
public final class CanaryAnalysis {
  private CanaryAnalysis() {}

  public static AnalysisResult evaluate(Strategy.Analysis a, RevisionMetrics m) {
    if (m.requests() < a.minRequests()) {
      return AnalysisResult.inconclusive(
          m.requests() + " requests, fewer than the minimum " + a.minRequests());
    }
    if (m.errorRate() > a.maxErrorRate()) {
      return AnalysisResult.fail(
          "error rate "
              + percent(m.errorRate())
              + " > max "
              + percent(a.maxErrorRate())
              + " ("
              + m.errors5xx()
              + " of "
              + m.requests()
              + " requests answered 5xx)");
    }
    if (a.maxP99().isPresent() && m.p99().compareTo(a.maxP99().get()) > 0) {
      return AnalysisResult.fail(
          "p99 latency " + m.p99().toMillis() + "ms > max " + a.maxP99().get().toMillis() + "ms");
    }
    return AnalysisResult.pass(
        "error rate "
            + percent(m.errorRate())
            + ", p99 "
            + m.p99().toMillis()
            + "ms over "
            + m.requests()
            + " requests");
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }
}
