package dev.kiln.server;

import dev.kiln.controller.Action;
import dev.kiln.controller.DriftResponse;
import dev.kiln.controller.FleetView;
import dev.kiln.runtime.Drift;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * The executor's drift step, once per tick: asks every runtime for the drift it observed, hands the
 * findings on live instances to {@link DriftResponse}, journals each verdict as {@code
 * instance-drifted}, and returns the stops it decided for the executor to journal and perform (the
 * healer or the rollout then starts the same revision in the drifted instance's place).
 */
final class DriftWatch {
  private static final Logger LOG = Logger.getLogger(DriftWatch.class.getName());

  private final ServerState state;
  private final Recorder rec;
  private final Fleet fleet;
  private final DriftResponse.Budget budget;

  DriftWatch(ServerState state, Recorder rec, Fleet fleet, DriftResponse.Budget budget) {
    this.state = state;
    this.rec = rec;
    this.fleet = fleet;
    this.budget = budget;
  }

  /**
   * @param live the observed instances not being stopped, by id
   * @param leaving services with an instance being stopped
   */
  List<Action> tick(List<Executor.Observed> live, Set<String> leaving, Instant now) {
    Map<String, Executor.Observed> byId = new HashMap<>();
    live.forEach(o -> byId.put(o.instance().id(), o));
    List<DriftResponse.Finding> findings = new ArrayList<>();
    for (Drift d : fleet.drift()) {
      Executor.Observed o = byId.get(d.instance().value());
      if (o == null) continue; // leaving already, or not ours
      findings.add(
          new DriftResponse.Finding(
              o.instance().service(),
              o.instance().revision(),
              d.instance().value(),
              d.surface().label(),
              d.subject(),
              new TreeMap<>(d.evidence())));
    }
    List<DriftResponse.Verdict> past = new ArrayList<>();
    for (ServerState.Drifted p : state.drifts()) {
      var e = p.event();
      past.add(
          new DriftResponse.Verdict(
              new DriftResponse.Finding(
                  e.service(), e.revision(), e.instance(), e.surface(), e.what(), e.evidence()),
              DriftResponse.Mode.parse(e.response()),
              e.reason(),
              p.at()));
    }
    FleetView view = new FleetView(live.stream().map(Executor.Observed::instance).toList());
    DriftResponse.Result r =
        DriftResponse.decide(
            findings, state.driftModes(), state.driftBudgets(), past, view, leaving, now, budget);
    for (DriftResponse.Verdict v : r.verdicts()) {
      DriftResponse.Finding f = v.finding();
      LOG.warning(
          "instance "
              + f.instance()
              + " of "
              + f.service()
              + " drifted ("
              + f.surface()
              + " "
              + f.subject()
              + "): "
              + v.response().label());
      rec.append(
          Executor.ACTOR,
          "drift: " + f.surface() + " " + f.subject(),
          new JournalEvent.InstanceDrifted(
              f.service(),
              f.revision(),
              f.instance(),
              f.surface(),
              f.subject(),
              f.evidence(),
              v.response().label(),
              v.reason()));
    }
    return r.stops();
  }
}
