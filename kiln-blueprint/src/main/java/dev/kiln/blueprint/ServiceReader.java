package dev.kiln.blueprint;

import dev.kiln.model.Autoscale;
import dev.kiln.model.DriftPolicy;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Location;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads one entry of {@code services:} into a {@link ServiceSpec}. */
final class ServiceReader {
  static final List<String> KEYS =
      List.of(
          "image",
          "replicas",
          "health",
          "route",
          "strategy",
          "progress-deadline",
          "env",
          "secrets",
          "volumes",
          "resources",
          "autoscale",
          "runtime",
          "network",
          "drift");
  static final List<String> RUNTIMES = List.of("process", "docker", "kubernetes", "swarm");
  static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);
  private static final List<String> ROUTE_KEYS = List.of("host", "path", "tls");
  private static final List<String> TLS_KEYS = List.of("cert", "key", "redirect", "hsts");

  private final Values values;
  private final HealthReader health;
  private final StrategyReader strategies;
  private final References references;
  private final ResourcesReader resources;
  private final AutoscaleReader autoscale;

  ServiceReader(Values values, References references) {
    this.values = values;
    this.references = references;
    this.health = new HealthReader(values);
    this.strategies = new StrategyReader(values);
    this.resources = new ResourcesReader(values);
    this.autoscale = new AutoscaleReader(values);
  }

  /** Empty if the service has a problem (already reported). */
  Optional<ServiceSpec> read(Values.Entry entry) {
    String path = "services." + entry.key();
    if (!Names.isDnsLabel(entry.key())) {
      values.report(entry.keyNode(), path + ": invalid service name", Names.DNS_LABEL_HINT);
    }
    Optional<Fields> read = Fields.read(entry.value(), path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<String> image = Optional.empty();
    if (f.has("image")) {
      Node imageNode = f.get("image").orElseThrow();
      image =
          values
              .nonEmpty(imageNode, f.path("image"))
              .filter(name -> references.image(name, imageNode, f.path("image")));
    } else {
      values.report(
          entry.keyNode(),
          path + ": missing required key 'image'",
          "name one of the blueprint's images: image: <name>");
    }
    int declared =
        f.get("replicas").flatMap(n -> values.integer(n, f.path("replicas"), 0, 1000)).orElse(1);
    Optional<HealthCheck> check = f.get("health").flatMap(n -> health.read(n, f.path("health")));
    Optional<Route> route = f.get("route").flatMap(n -> route(n, f.path("route")));
    Strategy strategy =
        f.get("strategy")
            .flatMap(n -> strategies.read(n, f.path("strategy")))
            .orElse(Strategy.Rolling.DEFAULT);
    Duration deadline =
        f.get("progress-deadline")
            .flatMap(n -> values.positiveDuration(n, f.path("progress-deadline")))
            .orElse(DEFAULT_PROGRESS_DEADLINE);
    Map<String, String> env =
        f.get("env")
            .flatMap(n -> values.stringMap(n, f.path("env"), Values::envKeyProblem))
            .orElse(Map.of());
    List<String> secrets =
        f.get("secrets").map(n -> secrets(n, f.path("secrets"), env)).orElse(List.of());
    Map<String, String> volumes =
        f.get("volumes").map(n -> volumes(n, f.path("volumes"))).orElse(Map.of());
    String runtime = f.get("runtime").flatMap(n -> runtime(n, f.path("runtime"))).orElse("process");
    String network = f.get("network").flatMap(n -> network(n, f.path("network"))).orElse("private");
    Optional<Resources> limits =
        f.has("resources")
            ? resources.read(f.get("resources").orElseThrow(), f.path("resources"))
            : Optional.of(Resources.UNLIMITED);
    if (limits.isEmpty()) return Optional.empty();
    Optional<DriftPolicy> drift =
        f.has("drift")
            ? new DriftReader(values).read(f.get("drift").orElseThrow(), f.path("drift"))
            : Optional.of(DriftPolicy.DEFAULT);
    if (drift.isEmpty()) return Optional.empty();
    int replicas = declared;
    Optional<Autoscale> scaling = Optional.empty();
    if (f.has("autoscale")) {
      scaling = autoscale.read(f.get("autoscale").orElseThrow(), f.path("autoscale"));
      if (scaling.isEmpty()) return Optional.empty();
      Autoscale a = scaling.get();
      if (f.has("replicas")) {
        if (declared < a.min() || declared > a.max()) {
          values.report(
              f.get("replicas").orElseThrow(),
              f.path("replicas")
                  + ": "
                  + replicas
                  + " is outside autoscale's "
                  + a.min()
                  + ".."
                  + a.max(),
              "with autoscale, replicas is the starting count: leave it out or keep it within min..max");
          return Optional.empty();
        }
      } else {
        replicas = Math.max(1, a.min()); // start serving; min: 0 goes to zero once idle
      }
    }
    final int count = replicas;
    final Optional<Autoscale> scaled = scaling;
    return image.map(
        i ->
            new ServiceSpec(
                entry.key(),
                i,
                count,
                check,
                route,
                strategy,
                deadline,
                env,
                secrets,
                volumes,
                limits.get(),
                runtime,
                scaled,
                network,
                drift.get(),
                values.problems().at(entry.keyNode())));
  }

  private Optional<Route> route(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, ROUTE_KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    String host =
        f.get("host")
            .flatMap(
                n -> {
                  Optional<String> h = values.nonEmpty(n, f.path("host"));
                  if (h.isPresent()
                      && (h.get().contains("/")
                          || h.get().chars().anyMatch(Character::isWhitespace))) {
                    values.report(
                        n,
                        f.path("host") + ": '" + h.get() + "' is not a host name",
                        "write a host like example.com, or \"*\" for any host");
                    return Optional.empty();
                  }
                  return h;
                })
            .orElse("*");
    Optional<String> prefix =
        f.get("path").isEmpty()
            ? Optional.of("/")
            : values.absolutePath(f.get("path").orElseThrow(), f.path("path"));
    if (f.get("tls").isEmpty()) return prefix.map(p -> new Route(host, p));
    Optional<Route.Tls> tls = tls(f.get("tls").orElseThrow(), f.path("tls"));
    return prefix.flatMap(p -> tls.map(t -> new Route(host, p, Optional.of(t))));
  }

  /**
   * {@code tls: { cert: certs/app.pem, key: APP_TLS_KEY }}: the certificate is a file, the key is
   * only ever the name of a secret, so the key material never enters the blueprint.
   */
  private Optional<Route.Tls> tls(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, TLS_KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<String> cert = f.get("cert").flatMap(n -> values.nonEmpty(n, f.path("cert")));
    Optional<String> key = f.get("key").flatMap(n -> values.nonEmpty(n, f.path("key")));
    if (f.get("cert").isEmpty()) {
      values.report(
          node, path + ": missing required key 'cert'", "cert: <PEM certificate chain file>");
    }
    if (f.get("key").isEmpty()) {
      values.report(
          node,
          path + ": missing required key 'key'",
          "key: <name of the secret holding the PEM private key>");
    }
    if (key.isPresent() && key.get().contains("-----BEGIN")) {
      values.report(
          f.get("key").orElseThrow(),
          path + ".key: a private key was pasted into the blueprint",
          "put the key in a secret and write its name here");
      key = Optional.empty();
    }
    boolean redirect =
        f.get("redirect").flatMap(n -> values.bool(n, f.path("redirect"))).orElse(false);
    boolean hsts = f.get("hsts").flatMap(n -> values.bool(n, f.path("hsts"))).orElse(false);
    Optional<String> k = key;
    Location certAt = f.keyNode("cert").map(values.problems()::at).orElse(Location.UNKNOWN);
    return cert.flatMap(c -> k.map(kk -> new Route.Tls(c, kk, redirect, hsts, certAt)));
  }

  /** Secret names become environment variables, so they follow env key rules and may not clash. */
  private List<String> secrets(Node node, String path, Map<String, String> env) {
    List<String> out = new ArrayList<>();
    List<Node> items = values.list(node, path).orElse(List.of());
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemPath = path + "[" + i + "]";
      Optional<String> name = values.nonEmpty(item, itemPath);
      if (name.isEmpty()) continue;
      String s = name.get();
      if (!Names.isEnvKey(s)) {
        values.report(item, itemPath + ": invalid secret name '" + s + "'", Names.ENV_KEY_HINT);
      } else if (out.contains(s)) {
        values.report(item, itemPath + ": duplicate secret '" + s + "'", "list each secret once");
      } else if (env.containsKey(s)) {
        values.report(
            item,
            itemPath + ": '" + s + "' is both a secret and an env key",
            "a secret's value comes from the secret store: remove " + s + " from env");
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private Map<String, String> volumes(Node node, String path) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Values.Entry e : values.entries(node, path).orElse(List.of())) {
      String entryPath = path + "." + e.key();
      if (!Names.isDnsLabel(e.key())) {
        values.report(
            e.keyNode(), path + ": invalid volume name '" + e.key() + "'", Names.DNS_LABEL_HINT);
      }
      Optional<String> mount = values.absolutePath(e.value(), entryPath);
      if (mount.isPresent() && out.containsValue(mount.get())) {
        values.report(
            e.value(), entryPath + ": " + mount.get() + " is already mounted by another volume");
      }
      mount.ifPresent(m -> out.put(e.key(), m));
    }
    return out;
  }

  private Optional<String> runtime(Node node, String path) {
    Optional<String> name = values.nonEmpty(node, path);
    if (name.isPresent() && !RUNTIMES.contains(name.get())) {
      values.report(
          node,
          path + ": unknown runtime '" + name.get() + "'",
          Suggestions.hint(name.get(), RUNTIMES, "valid runtimes"));
      return Optional.empty();
    }
    return name;
  }

  /** {@code network:} private (the default) or none; see {@link ServiceSpec#network()}. */
  private Optional<String> network(Node node, String path) {
    Optional<String> name = values.nonEmpty(node, path);
    if (name.isPresent() && !ServiceSpec.NETWORKS.contains(name.get())) {
      values.report(
          node,
          path + ": unknown network '" + name.get() + "'",
          Suggestions.hint(name.get(), ServiceSpec.NETWORKS, "valid networks"));
      return Optional.empty();
    }
    return name;
  }
}
