package dev.kiln.controller;

import java.time.Instant;

/**
 * One observation of a service's demand, summed over all its instances (every revision): what the
 * router saw in flight and per second, the p99 of the last interval, and the instances' CPU.
 *
 * @param inFlight requests in flight at {@code at}
 * @param requestsPerSecond requests completed per second over the interval ending at {@code at}
 * @param cpuPercent the sum over instances of each one's CPU use in percent of its limit
 * @param p99Millis p99 latency over the interval, 0 when there were no requests
 */
public record ScaleSample(
    Instant at, double inFlight, double requestsPerSecond, double cpuPercent, double p99Millis) {
  public ScaleSample {
    if (at == null) throw new IllegalArgumentException("a sample needs a time");
    if (inFlight < 0 || requestsPerSecond < 0 || cpuPercent < 0 || p99Millis < 0) {
      throw new IllegalArgumentException("sample values must be >= 0");
    }
  }

  public boolean idle() {
    return inFlight == 0 && requestsPerSecond == 0;
  }
}
