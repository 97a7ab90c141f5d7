package dev.kiln.controller;

import dev.kiln.model.Ordered;
import java.util.Map;

/**
 * The route tables the router serves now, by service. A missing service has {@link Traffic#NONE}.
 */
public record TrafficView(Map<String, Traffic> services) {
  public static final TrafficView EMPTY = new TrafficView(Map.of());

  public TrafficView {
    services = Ordered.copyOf(services);
  }

  public Traffic of(String service) {
    return services.getOrDefault(service, Traffic.NONE);
  }
}
