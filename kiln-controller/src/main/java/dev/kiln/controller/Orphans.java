package dev.kiln.controller;

import java.util.List;
import java.util.Set;

/**
 * Instances of services that are neither in the applied blueprint nor still rolling out: left over
 * from a removed service, or from before a restart. They are stopped, drained first if they were
 * serving, so a removed service leaves the router before its instances go.
 */
public final class Orphans {
  private Orphans() {}

  /**
   * @param instances every observed instance (those already stopping left out)
   * @param services the services the control plane knows (applied, or with a rollout)
   */
  public static List<Action> stops(List<ObservedInstance> instances, Set<String> services) {
    return instances.stream()
        .filter(i -> !services.contains(i.service()))
        .<Action>map(
            i ->
                new Action.StopInstance(
                    i.service(),
                    i.id(),
                    "orphan: service " + i.service() + " is not in the applied blueprint",
                    i.isHealthy()))
        .toList();
  }
}
