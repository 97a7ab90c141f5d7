package dev.kiln.controller;

import java.util.Comparator;
import java.util.List;

/** A read-only snapshot of every instance the runtimes report, sorted by id for determinism. */
public record FleetView(List<ObservedInstance> instances) {
  public static final FleetView EMPTY = new FleetView(List.of());

  public FleetView {
    instances = instances.stream().sorted(Comparator.comparing(ObservedInstance::id)).toList();
    if (instances.stream().map(ObservedInstance::id).distinct().count() != instances.size()) {
      throw new IllegalArgumentException("duplicate instance id in fleet view");
    }
  }

  public List<ObservedInstance> of(String service) {
    return instances.stream().filter(i -> i.service().equals(service)).toList();
  }

  public List<ObservedInstance> of(String service, int revision) {
    return instances.stream()
        .filter(i -> i.service().equals(service) && i.revision() == revision)
        .toList();
  }

  public int healthy(String service, int revision) {
    return (int) of(service, revision).stream().filter(ObservedInstance::isHealthy).count();
  }
}
