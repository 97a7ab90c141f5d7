package dev.kiln.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one round (a tick, or an act) observed, by instance id. Every action of a round is performed
 * against this one observation, so a stop finds the runtime the instance was listed under and the
 * route table is built from the same fleet the planners saw.
 */
record Round(List<Executor.Observed> observed, Map<String, Executor.Observed> byId) {
  Round(List<Executor.Observed> observed) {
    this(observed, index(observed));
  }

  private static Map<String, Executor.Observed> index(List<Executor.Observed> observed) {
    Map<String, Executor.Observed> byId = new HashMap<>();
    observed.forEach(o -> byId.put(o.instance().id(), o));
    return byId;
  }
}
