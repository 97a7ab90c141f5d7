package dev.kiln.router;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** One service's numbers: its total (router-made errors included) and each backend's share. */
public record ServiceMetrics(String service, Traffic total, List<BackendMetrics> backends) {
  public ServiceMetrics {
    backends = List.copyOf(backends);
  }

  /**
   * The latency histogram of each revision: the sum of its backends' (draining ones included). A
   * backend that has left the table no longer counts, so diff per backend for exact windows.
   */
  public SortedMap<String, LatencySnapshot> latencyByRevision() {
    SortedMap<String, LatencySnapshot> out = new TreeMap<>();
    for (BackendMetrics b : backends) {
      out.merge(b.revision(), b.traffic().latency().histogram(), LatencySnapshot::plus);
    }
    return Collections.unmodifiableSortedMap(out);
  }
}
