package dev.kiln.controller;

import java.time.Duration;

/** What the router measured for one revision over the analysis window. */
public record RevisionMetrics(long requests, long errors5xx, Duration p99) {
  public static final RevisionMetrics NONE = new RevisionMetrics(0, 0, Duration.ZERO);

  public RevisionMetrics {
    if (requests < 0 || errors5xx < 0 || errors5xx > requests) {
      throw new IllegalArgumentException("need 0 <= errors5xx <= requests");
    }
  }

  public double errorRate() {
    return requests == 0 ? 0 : (double) errors5xx / requests;
  }
}
