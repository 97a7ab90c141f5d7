package dev.kiln.controller;

import dev.kiln.model.HealthCheck;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.ServiceSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything of a service that shapes one of its instances, except the image: environment, secret
 * names, volumes, resource limits, health check, route and runtime. Replica count and strategy are
 * deliberately absent — they say how many instances and how to move between revisions, not what an
 * instance is — so changing them never makes a new revision.
 *
 * <p>Maps are sorted so that two configs that are equal as data have the same {@link #fields()} and
 * therefore the same canonical bytes, whatever order the blueprint wrote them in.
 */
public record RuntimeConfig(
    SortedMap<String, String> env,
    List<String> secrets,
    SortedMap<String, String> volumes,
    Optional<HealthCheck> health,
    Optional<Route> route,
    Resources resources,
    String runtime,
    String network) {

  /** The environment variable every instance receives its loopback port in (see DESIGN.md). */
  public static final String PORT_VARIABLE = "PORT";

  public RuntimeConfig {
    env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
    secrets = secrets.stream().sorted().distinct().toList();
    volumes = Collections.unmodifiableSortedMap(new TreeMap<>(volumes));
    if (runtime.isBlank()) throw new IllegalArgumentException("runtime is blank");
    if (resources == null) throw new IllegalArgumentException("resources is null; use UNLIMITED");
  }

  /** A config with the default network ({@code private}). */
  public RuntimeConfig(
      SortedMap<String, String> env,
      List<String> secrets,
      SortedMap<String, String> volumes,
      Optional<HealthCheck> health,
      Optional<Route> route,
      Resources resources,
      String runtime) {
    this(env, secrets, volumes, health, route, resources, runtime, "private");
  }

  /** A config without resource limits. */
  public RuntimeConfig(
      SortedMap<String, String> env,
      List<String> secrets,
      SortedMap<String, String> volumes,
      Optional<HealthCheck> health,
      Optional<Route> route,
      String runtime) {
    this(env, secrets, volumes, health, route, Resources.UNLIMITED, runtime);
  }

  public static RuntimeConfig of(ServiceSpec spec) {
    return new RuntimeConfig(
        new TreeMap<>(spec.env()),
        spec.secrets(),
        new TreeMap<>(spec.volumes()),
        spec.health(),
        spec.route(),
        spec.resources(),
        spec.runtime(),
        spec.network());
  }

  /**
   * The config as flat, named, human-readable fields, sorted by name. This one view serves both the
   * canonical bytes of a revision and the per-field diff of a plan, so what a plan says changed is
   * exactly what changed the digest. Secrets appear by name only: values never reach the control
   * plane.
   */
  public SortedMap<String, String> fields() {
    TreeMap<String, String> f = new TreeMap<>();
    env.forEach((k, v) -> f.put("env." + k, v));
    if (!secrets.isEmpty()) f.put("secrets", String.join(",", secrets));
    volumes.forEach((k, v) -> f.put("volumes." + k, v));
    health.ifPresent(h -> f.put("health", describe(h)));
    route.ifPresent(r -> f.put("route", r.host() + " " + r.pathPrefix()));
    // only limits that are set: a service without resources keeps the fields (and digest) it had
    if (resources.memoryBytes() > 0) {
      f.put("resources.memory", Resources.bytes(resources.memoryBytes()));
    }
    if (resources.cpuMillis() > 0) f.put("resources.cpu", Resources.cores(resources.cpuMillis()));
    if (resources.pids() > 0) f.put("resources.pids", Integer.toString(resources.pids()));
    f.put("runtime", runtime);
    // only when not the default: services that never said keep the fields (and digest) they had
    if (!network.equals("private")) f.put("network", network);
    f.put("port", "env " + PORT_VARIABLE);
    return Collections.unmodifiableSortedMap(f);
  }

  static String describe(HealthCheck h) {
    String probe =
        switch (h.probe()) {
          case HealthCheck.Probe.Http http -> "http " + http.path() + " " + http.expect();
          case HealthCheck.Probe.Tcp tcp -> "tcp";
          case HealthCheck.Probe.Exec exec -> "exec " + String.join(" ", exec.command());
        };
    return probe
        + " interval="
        + h.interval()
        + " timeout="
        + h.timeout()
        + " healthy="
        + h.healthy()
        + " unhealthy="
        + h.unhealthy()
        + " start-deadline="
        + h.startDeadline();
  }

  /** The fields whose values differ from {@code other}'s, in name order, with both values. */
  List<Change.FieldChange> diff(RuntimeConfig other) {
    SortedMap<String, String> a = fields();
    SortedMap<String, String> b = other.fields();
    TreeSet<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    List<Change.FieldChange> changes = new ArrayList<>();
    for (String name : names) {
      String x = a.getOrDefault(name, Change.ABSENT);
      String y = b.getOrDefault(name, Change.ABSENT);
      if (!x.equals(y)) changes.add(new Change.FieldChange(name, x, y));
    }
    return changes;
  }
}
