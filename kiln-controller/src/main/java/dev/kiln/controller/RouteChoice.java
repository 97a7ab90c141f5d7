package dev.kiln.controller;

import dev.kiln.model.Route;
import java.util.List;
import java.util.Optional;

/**
 * Which route (host and path) a service is published under while its traffic is split between
 * revisions that may declare different routes: the newest revision that has traffic decides, so a
 * route change moves with the rollout; a service with no weighted revision keeps its newest
 * revision's route.
 */
public final class RouteChoice {
  private RouteChoice() {}

  /**
   * @param revisions the service's revisions in number order
   */
  public static Optional<Route> of(Traffic traffic, List<Revision> revisions) {
    Optional<Route> weighted =
        traffic.weights().isEmpty()
            ? Optional.empty()
            : revisions.stream()
                .filter(r -> r.number() == traffic.weights().lastKey())
                .findFirst()
                .flatMap(r -> r.config().route());
    return weighted.or(
        () -> revisions.isEmpty() ? Optional.empty() : revisions.getLast().config().route());
  }
}
