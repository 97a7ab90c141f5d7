package dev.kiln.router;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An immutable copy of a latency histogram's bucket counts since a backend entered the table (or
 * the router started). The router's counters only grow, so the latency of any window is the
 * difference of two snapshots: {@code now.minus(atStepStart).quantile(0.99)} is the p99 of exactly
 * the requests answered in between — which cumulative quantiles cannot give.
 *
 * <p>Buckets are log-linear in microseconds (see {@link LatencyHistogram}); {@link #buckets()}
 * names each by its exclusive upper bound, so the copy can cross a process boundary and be checked
 * against the bucket layout on the other side ({@link #ofBuckets}).
 */
public final class LatencySnapshot {
  public static final LatencySnapshot EMPTY =
      new LatencySnapshot(new long[LatencyHistogram.BUCKETS]);

  private final long[] counts;
  private final long total;

  private LatencySnapshot(long[] counts) {
    this.counts = counts;
    long t = 0;
    for (long c : counts) t += c;
    this.total = t;
  }

  /** Copies live counters; each bucket is read once, without locks (writers may run meanwhile). */
  static LatencySnapshot copyOf(AtomicLongArray live) {
    long[] c = new long[LatencyHistogram.BUCKETS];
    for (int i = 0; i < c.length; i++) c[i] = live.get(i);
    return new LatencySnapshot(c);
  }

  /**
   * Rebuilds a snapshot from {@link #buckets()}.
   *
   * @throws IllegalArgumentException if a key is not a bucket bound of this router version or a
   *     count is negative
   */
  public static LatencySnapshot ofBuckets(Map<Long, Long> countByUpperBoundMicros) {
    long[] c = new long[LatencyHistogram.BUCKETS];
    for (var e : countByUpperBoundMicros.entrySet()) {
      long upper = e.getKey();
      int i = upper < 1 ? -1 : LatencyHistogram.index(upper - 1);
      if (i < 0 || LatencyHistogram.upperBound(i) != upper) {
        throw new IllegalArgumentException(
            "latency bucket bound " + upper + "µs is not one of this router's bucket bounds");
      }
      if (e.getValue() < 0) {
        throw new IllegalArgumentException("latency bucket " + upper + "µs has a negative count");
      }
      c[i] += e.getValue();
    }
    return new LatencySnapshot(c);
  }

  /** Requests counted. */
  public long count() {
    return total;
  }

  /** The non-empty buckets, by exclusive upper bound in microseconds, ascending. */
  /**
   * How many latencies were below {@code boundMicros}, exactly when the bound is a bucket bound
   * (every power of two from 16 µs is), else up to the bucket that contains it.
   */
  public long countBelow(long boundMicros) {
    long n = 0;
    for (int i = 0; i < counts.length && LatencyHistogram.upperBound(i) <= boundMicros; i++) {
      n += counts[i];
    }
    return n;
  }

  public SortedMap<Long, Long> buckets() {
    SortedMap<Long, Long> out = new TreeMap<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) out.put(LatencyHistogram.upperBound(i), counts[i]);
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /** Both together: the latency of two backends of one revision, for instance. */
  public LatencySnapshot plus(LatencySnapshot other) {
    long[] c = counts.clone();
    for (int i = 0; i < c.length; i++) c[i] += other.counts[i];
    return new LatencySnapshot(c);
  }

  /**
   * True if this snapshot could have been taken after {@code earlier} of the same counters: no
   * bucket is smaller. False once the counters were reset (the backend left and came back).
   */
  public boolean includes(LatencySnapshot earlier) {
    for (int i = 0; i < counts.length; i++) if (counts[i] < earlier.counts[i]) return false;
    return true;
  }

  /**
   * The requests counted since {@code earlier}.
   *
   * @throws IllegalArgumentException unless {@link #includes includes(earlier)}
   */
  public LatencySnapshot minus(LatencySnapshot earlier) {
    long[] c = counts.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] -= earlier.counts[i];
      if (c[i] < 0) {
        throw new IllegalArgumentException(
            "the earlier latency snapshot has more requests in bucket <"
                + LatencyHistogram.upperBound(i)
                + "µs: the counters were reset in between; check includes() first");
      }
    }
    return new LatencySnapshot(c);
  }

  /**
   * The {@code q}-quantile (0 < q ≤ 1), as the middle of the bucket that holds it: within about 6 %
   * of the true value. Zero when no request was counted.
   */
  public Duration quantile(double q) {
    if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("need 0 < q <= 1, got " + q);
    if (total == 0) return Duration.ZERO;
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        long mid = (LatencyHistogram.lowerBound(i) + LatencyHistogram.upperBound(i)) / 2;
        return Duration.ofNanos(Math.max(mid, LatencyHistogram.lowerBound(i)) * 1000);
      }
    }
    throw new AssertionError("rank " + rank + " beyond total " + total);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatencySnapshot s && Arrays.equals(counts, s.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "LatencySnapshot" + buckets();
  }
}
