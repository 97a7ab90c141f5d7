package dev.kiln.controller;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What Kiln does about drift (an instance observed to differ from its image and revision): a pure
 * decision. Each finding gets one verdict per instance and surface, journaled once: {@code replace}
 * (the service's default) or {@code report}. A service's drift budget ({@link Budget}) caps
 * replacements in a window; past it, verdicts are {@code report} and the instances keep running, so
 * a misbehaving host cannot start a replacement storm.
 *
 * <p>Replacement is never repair: an instance with a {@code replace} verdict is stopped (drained,
 * out of the route first) and the healer or the rollout starts a new instance of the same revision.
 * Health-gated: per service at most one drifted instance leaves at a time, only while none is
 * leaving and every other live instance is healthy, and never the last healthy one — so a client
 * sees no failed request.
 */
public final class DriftResponse {
  private DriftResponse() {}

  /** The blueprint's {@code drift:} key. */
  public enum Mode {
    REPLACE,
    REPORT;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Mode parse(String s) {
      for (Mode m : values()) if (m.label().equals(s)) return m;
      throw new ControllerException("drift response " + s + " is not one of replace, report");
    }
  }

  /** At most {@code replacements} instances of a service replaced for drift per {@code window}. */
  public record Budget(int replacements, Duration window) {
    public static final Budget DEFAULT = new Budget(3, Duration.ofMinutes(10));
  }

  /**
   * What a runtime observed on an instance.
   *
   * @param surface {@code rootfs}, {@code process}, {@code socket}, {@code env} or {@code config}
   * @param evidence paths and hashes, pids and executables, ports, key names — never values
   */
  public record Finding(
      String service,
      int revision,
      String instance,
      String surface,
      String subject,
      SortedMap<String, String> evidence) {
    public Finding {
      evidence = new TreeMap<>(evidence);
    }
  }

  /** A journaled verdict on one finding. */
  public record Verdict(Finding finding, Mode response, String reason, Instant at) {}

  public record Result(List<Verdict> verdicts, List<Action> stops) {
    public Result {
      verdicts = List.copyOf(verdicts);
      stops = List.copyOf(stops);
    }
  }

  /**
   * @param findings everything the runtimes report now, for live (not leaving) instances
   * @param modes each service's {@code drift:} setting; absent means {@code replace}
   * @param past every verdict journaled so far
   * @param fleet the live instances (those being stopped left out)
   * @param leaving services with an instance being stopped now
   */
  public static Result decide(
      List<Finding> findings,
      Map<String, Mode> modes,
      List<Verdict> past,
      FleetView fleet,
      Set<String> leaving,
      Instant now,
      Budget budget) {
    return decide(findings, modes, Map.of(), past, fleet, leaving, now, budget);
  }

  /**
   * @param budgets each service's drift budget (the blueprint's {@code drift:}); absent means
   *     {@code fallback}
   */
  public static Result decide(
      List<Finding> findings,
      Map<String, Mode> modes,
      Map<String, Budget> budgets,
      List<Verdict> past,
      FleetView fleet,
      Set<String> leaving,
      Instant now,
      Budget fallback) {
    Set<String> judged = new HashSet<>();
    Set<String> replacing = new HashSet<>();
    Map<String, Set<String>> replacedInWindow = new TreeMap<>();
    for (Verdict v : past) {
      judged.add(key(v.finding()));
      if (v.response() == Mode.REPLACE) {
        replacing.add(v.finding().instance());
        Budget budget = budgets.getOrDefault(v.finding().service(), fallback);
        if (!v.at().isBefore(now.minus(budget.window()))) {
          replacedInWindow
              .computeIfAbsent(v.finding().service(), s -> new HashSet<>())
              .add(v.finding().instance());
        }
      }
    }
    List<Verdict> verdicts = new ArrayList<>();
    List<Finding> fresh =
        findings.stream()
            .filter(f -> !judged.contains(key(f)))
            .sorted(Comparator.comparing(Finding::instance).thenComparing(Finding::surface))
            .toList();
    for (Finding f : fresh) {
      if (!judged.add(key(f))) continue;
      Mode mode = modes.getOrDefault(f.service(), Mode.REPLACE);
      if (mode == Mode.REPORT) {
        verdicts.add(new Verdict(f, Mode.REPORT, "drift: report", now));
      } else if (replacing.contains(f.instance())) {
        verdicts.add(new Verdict(f, Mode.REPLACE, "already being replaced", now));
      } else {
        Set<String> spent = replacedInWindow.computeIfAbsent(f.service(), s -> new HashSet<>());
        Budget budget = budgets.getOrDefault(f.service(), fallback);
        if (spent.size() >= budget.replacements()) {
          verdicts.add(
              new Verdict(
                  f,
                  Mode.REPORT,
                  "drift budget spent ("
                      + budget.replacements()
                      + " replacements in "
                      + budget.window().toMinutes()
                      + " min): reported, left running",
                  now));
        } else {
          spent.add(f.instance());
          replacing.add(f.instance());
          verdicts.add(new Verdict(f, Mode.REPLACE, "replaced by the same revision", now));
        }
      }
    }
    return new Result(verdicts, stops(replacing, fleet, leaving));
  }

  /** At most one drifted instance per service leaves at a time, health-gated. */
  private static List<Action> stops(Set<String> replacing, FleetView fleet, Set<String> leaving) {
    List<Action> stops = new ArrayList<>();
    Set<String> services = new java.util.TreeSet<>();
    fleet.instances().forEach(i -> services.add(i.service()));
    for (String service : services) {
      if (leaving.contains(service)) continue;
      List<ObservedInstance> live = fleet.of(service);
      long healthy = live.stream().filter(ObservedInstance::isHealthy).count();
      if (healthy < live.size() || healthy < 2) continue; // a replacement still warming up
      live.stream()
          .filter(i -> replacing.contains(i.id()))
          .map(ObservedInstance::id)
          .sorted()
          .findFirst()
          .ifPresent(
              id ->
                  stops.add(
                      new Action.StopInstance(
                          service, id, "drifted: replaced by the same revision", true)));
    }
    return stops;
  }

  private static String key(Finding f) {
    return f.instance() + "\0" + f.surface();
  }
}
