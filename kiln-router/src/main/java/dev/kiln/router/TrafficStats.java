package dev.kiln.router;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link Traffic}: shared by every event loop, written without locks. */
final class TrafficStats {
  final LongAdder requests = new LongAdder();
  final LongAdder[] statusClasses = {
    new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()
  };
  final AtomicInteger inFlight = new AtomicInteger();
  final LatencyHistogram latency = new LatencyHistogram();

  void record(int status, long micros) {
    requests.increment();
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) statusClasses[cls - 1].increment();
    latency.record(micros);
  }

  Traffic snapshot() {
    return new Traffic(
        requests.sum(),
        new StatusCounts(
            statusClasses[0].sum(),
            statusClasses[1].sum(),
            statusClasses[2].sum(),
            statusClasses[3].sum(),
            statusClasses[4].sum()),
        inFlight.get(),
        latency.snapshot());
  }
}
