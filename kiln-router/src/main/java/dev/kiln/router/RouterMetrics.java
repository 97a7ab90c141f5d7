package dev.kiln.router;

import java.util.List;
import java.util.Optional;

/**
 * A point-in-time copy of the router's counters, for the controller (canary analysis, autoscaling)
 * and for {@link PrometheusText}.
 *
 * @param tableVersion version of the route table being served
 * @param unrouted requests that matched no route (answered 404)
 */
public record RouterMetrics(long tableVersion, long unrouted, List<ServiceMetrics> services) {
  public RouterMetrics {
    services = List.copyOf(services);
  }

  public Optional<ServiceMetrics> service(String name) {
    return services.stream().filter(s -> s.service().equals(name)).findFirst();
  }
}
