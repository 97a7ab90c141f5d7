package dev.kiln.server;

import dev.kiln.api.DriftResponse;
import dev.kiln.api.DriftView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The API's and {@code /metrics}' views of drift verdicts (from the journal, via {@link
 * ServerState#drifts()}). Read on the executor's thread.
 */
final class DriftViews {
  private DriftViews() {}

  /** {@code GET /v1/drift[?service=]}: every verdict, oldest first. */
  static DriftResponse verdicts(ServerState state, Optional<String> service) {
    List<DriftView> out = new ArrayList<>();
    for (ServerState.Drifted d : state.drifts()) {
      var e = d.event();
      if (service.isPresent() && !service.get().equals(e.service())) continue;
      out.add(
          new DriftView(
              d.at().toString(),
              e.service(),
              e.revision(),
              e.instance(),
              e.surface(),
              e.what(),
              e.evidence(),
              e.response(),
              e.reason()));
    }
    return new DriftResponse(out);
  }

  /** The surfaces an instance drifted on, comma-separated, or {@code -}: the DRIFT column. */
  static String of(ServerState state, String instance) {
    TreeSet<String> surfaces = new TreeSet<>();
    for (ServerState.Drifted d : state.drifts()) {
      if (d.event().instance().equals(instance)) surfaces.add(d.event().surface());
    }
    return surfaces.isEmpty() ? "-" : String.join(",", surfaces);
  }

  /** {@code kiln_drift_total{service,surface,response}}: verdicts since the journal began. */
  static String prometheus(ServerState state) {
    Map<String, Integer> counts = new TreeMap<>();
    for (ServerState.Drifted d : state.drifts()) {
      var e = d.event();
      counts.merge(
          "service=\""
              + e.service()
              + "\",surface=\""
              + e.surface()
              + "\",response=\""
              + e.response()
              + "\"",
          1,
          Integer::sum);
    }
    StringBuilder out =
        new StringBuilder(
            "# HELP kiln_drift_total Drift verdicts by service, surface and response.\n"
                + "# TYPE kiln_drift_total counter\n");
    counts.forEach(
        (k, v) -> out.append("kiln_drift_total{").append(k).append("} ").append(v).append('\n'));
    return out.toString();
  }
}
