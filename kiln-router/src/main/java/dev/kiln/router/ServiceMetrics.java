package dev.kiln.router;

import java.util.List;

/** One service's numbers: its total (router-made errors included) and each backend's share. */
public record ServiceMetrics(String service, Traffic total, List<BackendMetrics> backends) {
  public ServiceMetrics {
    backends = List.copyOf(backends);
  }
}
