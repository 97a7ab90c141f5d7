package dev.kiln.router;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free log-linear latency histogram in microseconds: exact below 16 µs, then 8 buckets per
 * power of two (≤ 12.5 % error), up to about 2^40 µs. Recording is one array increment, so it can
 * sit on the request path of every event loop; quantiles are computed when somebody asks.
 */
final class LatencyHistogram {
  private static final int SUB = 8;
  private static final int MAX_EXP = 40;
  static final int BUCKETS = 16 + (MAX_EXP - 4 + 1) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final java.util.concurrent.atomic.LongAdder sumMicros =
      new java.util.concurrent.atomic.LongAdder();

  void record(long micros) {
    if (micros < 0) micros = 0;
    counts.incrementAndGet(index(micros));
    sumMicros.add(micros);
  }

  static int index(long micros) {
    if (micros < 16) return (int) micros;
    int exp = 63 - Long.numberOfLeadingZeros(micros);
    if (exp > MAX_EXP) return BUCKETS - 1;
    int sub = (int) ((micros >>> (exp - 3)) & (SUB - 1));
    return 16 + (exp - 4) * SUB + sub;
  }

  /** Upper bound (exclusive) of a bucket, in microseconds. */
  static long upperBound(int index) {
    if (index < 16) return index + 1;
    int exp = (index - 16) / SUB + 4;
    int sub = (index - 16) % SUB;
    return (long) (SUB + sub + 1) << (exp - 3);
  }

  static long lowerBound(int index) {
    if (index < 16) return index;
    int exp = (index - 16) / SUB + 4;
    int sub = (index - 16) % SUB;
    return (long) (SUB + sub) << (exp - 3);
  }

  /**
   * Copies the counters once (off the request path) and derives the quantiles from the copy, so
   * they and {@link Latency#histogram()} agree.
   */
  Latency snapshot() {
    LatencySnapshot h = LatencySnapshot.copyOf(counts);
    return new Latency(
        h.count(),
        Duration.ofNanos(sumMicros.sum() * 1000),
        h.quantile(0.50),
        h.quantile(0.90),
        h.quantile(0.99),
        h);
  }
}
