package dev.kiln.server;

import dev.kiln.controller.FleetView;
import dev.kiln.controller.Healer;
import dev.kiln.controller.IdSource;
import java.time.Instant;
import java.util.Map;

/**
 * The healer's memory between ticks: {@link Healer#heal} is pure and returns the backoff of each
 * service it replaced instances for, which the next tick must hand back. Loop thread only.
 */
final class Healing {
  static final String CAUSE = "self-healing: keep the live revision at its replica count";

  private final IdSource ids;
  private Map<String, Healer.Backoff> backoff = Map.of();

  Healing(IdSource ids) {
    this.ids = ids;
  }

  /** The healer's actions for the services handed off to it, {@code targets} per revision. */
  Healer.Result heal(Map<String, Map<Integer, Integer>> targets, FleetView fleet, Instant now) {
    Healer.Result h = Healer.heal(targets, fleet, backoff, now, ids, Healer.Policy.DEFAULT);
    backoff = h.backoff();
    return h;
  }
}
