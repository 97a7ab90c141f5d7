package dev.kiln.router;

/** Responses by status class. */
public record StatusCounts(long s1xx, long s2xx, long s3xx, long s4xx, long s5xx) {
  public long total() {
    return s1xx + s2xx + s3xx + s4xx + s5xx;
  }

  /** Share of 5xx among all responses; 0 when there were none. */
  public double serverErrorRate() {
    long t = total();
    return t == 0 ? 0 : (double) s5xx / t;
  }
}
