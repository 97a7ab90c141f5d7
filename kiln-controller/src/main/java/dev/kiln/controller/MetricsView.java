package dev.kiln.controller;

import java.util.Map;

/**
 * Router metrics per service and revision, for the window the executor chose (since the current
 * canary step started). A revision without data has {@link RevisionMetrics#NONE}.
 */
public record MetricsView(Map<String, Map<Integer, RevisionMetrics>> services) {
  public static final MetricsView EMPTY = new MetricsView(Map.of());

  public MetricsView {
    services = Map.copyOf(services);
  }

  public RevisionMetrics of(String service, int revision) {
    return services.getOrDefault(service, Map.of()).getOrDefault(revision, RevisionMetrics.NONE);
  }
}
