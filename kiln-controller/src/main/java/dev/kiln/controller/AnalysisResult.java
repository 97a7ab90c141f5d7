package dev.kiln.controller;

/**
 * The outcome of one canary analysis, as data: a verdict and why, for the journal and the status.
 */
public record AnalysisResult(Verdict verdict, String reason) {
  public enum Verdict {
    PASS,
    FAIL,
    /** Too few requests to judge; neither passes nor fails the step. */
    INCONCLUSIVE
  }

  public static AnalysisResult pass(String reason) {
    return new AnalysisResult(Verdict.PASS, reason);
  }

  public static AnalysisResult fail(String reason) {
    return new AnalysisResult(Verdict.FAIL, reason);
  }

  public static AnalysisResult inconclusive(String reason) {
    return new AnalysisResult(Verdict.INCONCLUSIVE, reason);
  }
}
