package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/services/NAME/metrics} (the dashboard's charts): per revision (the key, a revision
 * number as text) the points sampled every {@code stepSeconds} over the last {@code spanSeconds},
 * and, during a canary with analysis, the limits a revision must stay under (left out otherwise).
 */
public record ServiceMetricsResponse(
    String service,
    long stepSeconds,
    long spanSeconds,
    Map<String, List<Point>> revisions,
    @JsonInclude(Include.NON_NULL) @Nullable Analysis analysis) {
  public ServiceMetricsResponse {
    // the page draws revisions in the order sent: oldest first, as the server sorts them
    Map<String, List<Point>> copy = new LinkedHashMap<>();
    revisions.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    revisions = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * One sample: when (epoch milliseconds), requests per second, the share of 5xx answers, the
   * 99th-percentile latency, and the requests it counts.
   */
  public record Point(long t, double rps, double errorRate, double p99Millis, long requests) {}

  /** A canary's analysis limits: the highest error rate and p99, and the fewest requests judged. */
  public record Analysis(
      double maxErrorRate,
      @JsonInclude(Include.NON_NULL) @Nullable Long maxP99Millis,
      int minRequests) {}
}
