package dev.kiln.router;

/** Monotonic nanoseconds, injected so latency and ejection decisions can be tested with a fake. */
@FunctionalInterface
public interface Ticker {
  long nanos();

  static Ticker system() {
    return System::nanoTime;
  }
}
