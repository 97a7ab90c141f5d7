package dev.kiln.blueprint;

import dev.kiln.model.Autoscale;
import dev.kiln.model.Environment;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads the top-level {@code environments:}:
 *
 * <pre>{@code
 * environments:
 *   staging:
 *     router: 127.0.0.1:8081
 *     services:
 *       web: { replicas: 1, env: { LOG_LEVEL: debug } }
 *   production:
 *     router: 127.0.0.1:8080
 *     promotion: { from: staging, soak: 10m }
 * }</pre>
 *
 * Every mistake is located at the key that makes it: an override of something an environment may
 * not change (the image above all: a promotion moves the same digest), an override of a service the
 * blueprint does not declare, a promotion from an unknown environment or in a cycle, two
 * environments on one router address.
 */
final class EnvironmentReader {
  static final List<String> KEYS = List.of("router", "services", "promotion");
  static final List<String> OVERRIDES =
      List.of("replicas", "env", "secrets", "autoscale", "strategy");
  static final List<String> PROMOTION_KEYS = List.of("from", "soak");
  private static final String OVERRIDE_HINT =
      "an environment overrides only " + String.join(", ", OVERRIDES);

  private final Values values;
  private final Map<String, ServiceSpec> services;
  private final Set<String> declared;

  /**
   * @param services the services that were read without problems
   * @param declared every service name written (one with problems is reported already)
   */
  EnvironmentReader(Values values, Map<String, ServiceSpec> services, Set<String> declared) {
    this.values = values;
    this.services = services;
    this.declared = declared;
  }

  /** Every environment, or none if {@code environments:} is absent; problems are reported. */
  Map<String, Environment> read(Node node) {
    Map<String, Environment> out = new LinkedHashMap<>();
    List<Values.Entry> entries = values.entries(node, "environments").orElse(List.of());
    Map<String, Node> fromNodes = new HashMap<>();
    Map<String, String> routers = new HashMap<>();
    for (Values.Entry e : entries) {
      read(e, fromNodes, routers).ifPresent(env -> out.put(env.name(), env));
    }
    checkPromotions(entries, out, fromNodes);
    return out;
  }

  private Optional<Environment> read(
      Values.Entry entry, Map<String, Node> fromNodes, Map<String, String> routers) {
    String name = entry.key();
    String path = "environments." + name;
    boolean ok = true;
    if (!Names.isDnsLabel(name) || name.contains(Environment.SEPARATOR)) {
      values.report(
          entry.keyNode(),
          path + ": invalid environment name",
          Names.DNS_LABEL_HINT + ", without '" + Environment.SEPARATOR + "'");
      ok = false;
    } else {
      for (String service : services.keySet()) {
        String qualified = Environment.qualify(name, service);
        if (qualified.length() > Environment.MAX_QUALIFIED) {
          values.report(
              entry.keyNode(),
              path
                  + ": with service '"
                  + service
                  + "' it names instances '"
                  + qualified
                  + "', longer than "
                  + Environment.MAX_QUALIFIED
                  + " characters",
              "use a shorter environment name (e.g. stg, prod)");
          ok = false;
          break;
        }
      }
    }
    Optional<Fields> read = Fields.read(entry.value(), path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<String> router = Optional.empty();
    if (f.has("router")) {
      Node n = f.get("router").orElseThrow();
      router = values.nonEmpty(n, f.path("router")).filter(r -> address(r, n, f.path("router")));
      if (router.isPresent()) {
        String taken = routers.putIfAbsent(router.get().toLowerCase(java.util.Locale.ROOT), name);
        if (taken != null) {
          values.report(
              n,
              f.path("router")
                  + ": "
                  + router.get()
                  + " is already environment "
                  + taken
                  + "'s router",
              "each environment has its own router listener: give it another port");
          router = Optional.empty();
        }
      }
    } else {
      values.report(
          entry.keyNode(),
          path + ": missing required key 'router'",
          "where its router listens, e.g. router: 127.0.0.1:8081");
    }
    Map<String, Environment.Override> overrides = new LinkedHashMap<>();
    if (f.has("services")) {
      for (Values.Entry s :
          values.entries(f.get("services").orElseThrow(), f.path("services")).orElse(List.of())) {
        Optional<Environment.Override> o = override(s, f.path("services") + "." + s.key());
        if (o.isPresent()) overrides.put(s.key(), o.get());
        else ok = false;
      }
    }
    Optional<Environment.Promotion> promotion = Optional.empty();
    if (f.has("promotion")) {
      promotion = promotion(f.get("promotion").orElseThrow(), f.path("promotion"), fromNodes, name);
      ok &= promotion.isPresent();
    }
    if (!ok || router.isEmpty()) return Optional.empty();
    return Optional.of(
        new Environment(
            name, router.get(), overrides, promotion, values.problems().at(entry.keyNode())));
  }

  /** {@code host:port}, port 1-65535: where a listener can bind. */
  private boolean address(String text, Node node, String path) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? "" : text.substring(0, colon);
    Optional<Integer> port =
        colon < 0 ? Optional.empty() : Quantities.integer(text.substring(colon + 1));
    if (host.isBlank() || port.isEmpty() || port.get() < 1 || port.get() > 65535) {
      values.report(
          node,
          path + ": '" + text + "' is not HOST:PORT",
          "e.g. router: 127.0.0.1:8081 (a port from 1 to 65535)");
      return false;
    }
    return true;
  }

  private Optional<Environment.Override> override(Values.Entry entry, String path) {
    ServiceSpec base = services.get(entry.key());
    if (base == null && declared.contains(entry.key())) return Optional.empty();
    if (base == null) {
      values.report(
          entry.keyNode(),
          path + ": no service '" + entry.key() + "' in the blueprint",
          Suggestions.hint(entry.key(), declared, "declared services"));
      return Optional.empty();
    }
    // A key a service has but an environment may not change gets its own message, not "unknown".
    boolean ok = true;
    List<String> seen = new ArrayList<>(OVERRIDES);
    if (entry.value() instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k
            && ServiceReader.KEYS.contains(k.getValue())
            && !OVERRIDES.contains(k.getValue())) {
          values.report(
              k,
              path
                  + ": an environment may not change '"
                  + k.getValue()
                  + "'"
                  + (k.getValue().equals("image")
                      ? " (a promotion moves the same image digest from one environment to the"
                          + " next)"
                      : ""),
              OVERRIDE_HINT
                  + "; change it under services."
                  + entry.key()
                  + " for every environment");
          seen.add(k.getValue());
          ok = false;
        }
      }
    }
    Optional<Fields> read =
        Values.isNull(entry.value())
            ? Optional.of(Fields.empty(entry.value(), path))
            : Fields.read(entry.value(), path, seen, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<Integer> replicas =
        f.get("replicas").flatMap(n -> values.integer(n, f.path("replicas"), 0, 1000));
    ok &= f.get("replicas").isEmpty() || replicas.isPresent();
    Map<String, String> env =
        f.get("env")
            .flatMap(n -> values.stringMap(n, f.path("env"), Values::envKeyProblem))
            .orElse(Map.of());
    ok &= f.get("env").isEmpty() || !env.isEmpty() || Values.isNull(f.get("env").get());
    Optional<List<String>> secrets = Optional.empty();
    if (f.has("secrets")) {
      Map<String, String> merged = new LinkedHashMap<>(base.env());
      merged.putAll(env);
      secrets = secrets(f.get("secrets").orElseThrow(), f.path("secrets"), merged);
      ok &= secrets.isPresent();
    }
    Optional<Autoscale> autoscale = Optional.empty();
    if (f.has("autoscale")) {
      autoscale =
          new AutoscaleReader(values).read(f.get("autoscale").orElseThrow(), f.path("autoscale"));
      ok &= autoscale.isPresent();
    }
    Optional<Strategy> strategy = Optional.empty();
    if (f.has("strategy")) {
      strategy =
          new StrategyReader(values).read(f.get("strategy").orElseThrow(), f.path("strategy"));
      ok &= strategy.isPresent();
    }
    Optional<Autoscale> scaling = autoscale.isPresent() ? autoscale : base.autoscale();
    if (replicas.isPresent() && scaling.isPresent()) {
      Autoscale a = scaling.get();
      if (replicas.get() < a.min() || replicas.get() > a.max()) {
        values.report(
            f.get("replicas").orElseThrow(),
            f.path("replicas")
                + ": "
                + replicas.get()
                + " is outside autoscale's "
                + a.min()
                + ".."
                + a.max(),
            "with autoscale, replicas is the starting count: keep it within min..max");
        ok = false;
      }
    }
    if (!ok) return Optional.empty();
    return Optional.of(new Environment.Override(replicas, env, secrets, autoscale, strategy));
  }

  private Optional<List<String>> secrets(Node node, String path, Map<String, String> env) {
    Optional<List<String>> names = values.strings(node, path);
    if (names.isEmpty()) return Optional.empty();
    Set<String> out = new LinkedHashSet<>();
    boolean ok = true;
    for (String s : names.get()) {
      if (!Names.isEnvKey(s)) {
        values.report(node, path + ": invalid secret name '" + s + "'", Names.ENV_KEY_HINT);
        ok = false;
      } else if (env.containsKey(s)) {
        values.report(
            node,
            path + ": '" + s + "' is both a secret and an env key",
            "a secret's value comes from the secret store: remove " + s + " from env");
        ok = false;
      }
      out.add(s);
    }
    return ok ? Optional.of(List.copyOf(out)) : Optional.empty();
  }

  private Optional<Environment.Promotion> promotion(
      Node node, String path, Map<String, Node> fromNodes, String env) {
    Optional<Fields> read = Fields.read(node, path, PROMOTION_KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<String> from =
        f.require("from", values.problems()).flatMap(n -> values.nonEmpty(n, f.path("from")));
    Duration soak =
        f.get("soak").flatMap(n -> values.duration(n, f.path("soak"))).orElse(Duration.ZERO);
    if (f.has("soak") && f.get("soak").flatMap(n -> values.duration(n, f.path("soak"))).isEmpty())
      return Optional.empty();
    if (from.isEmpty()) return Optional.empty();
    fromNodes.put(env, f.get("from").orElseThrow());
    return Optional.of(new Environment.Promotion(from.get(), soak));
  }

  /** Each {@code from} names another declared environment, and following them ends. */
  private void checkPromotions(
      List<Values.Entry> entries, Map<String, Environment> read, Map<String, Node> fromNodes) {
    Set<String> declared = new LinkedHashSet<>();
    entries.forEach(e -> declared.add(e.key()));
    Set<String> reported = new java.util.HashSet<>();
    for (Environment env : read.values()) {
      if (env.promotion().isEmpty()) continue;
      String from = env.promotion().get().from();
      // promotion() records the from-node of every promotion it returns.
      Node at =
          java.util.Objects.requireNonNull(
              fromNodes.get(env.name()), "no from-node recorded for " + env.name());
      if (from.equals(env.name())) {
        values.report(
            at,
            "environments."
                + env.name()
                + ".promotion.from: an environment cannot promote from itself",
            "name the environment its digests prove themselves in first, e.g. from: staging");
      } else if (!declared.contains(from)) {
        values.report(
            at,
            "environments." + env.name() + ".promotion.from: unknown environment '" + from + "'",
            Suggestions.hint(from, declared, "declared environments"));
      } else {
        List<String> chain = new ArrayList<>(List.of(env.name()));
        String next = from;
        while (next != null && !chain.contains(next)) {
          chain.add(next);
          Environment e = read.get(next);
          next = e == null ? null : e.promotion().map(Environment.Promotion::from).orElse(null);
        }
        if (next != null
            && next.equals(env.name())
            && reported.add(String.join(",", sorted(chain)))) {
          chain.add(next);
          values.report(
              at,
              "environments."
                  + env.name()
                  + ".promotion.from: promotions form a cycle: "
                  + String.join(" <- ", chain),
              "promotions go one way (staging -> production): remove one promotion.from");
        }
      }
    }
  }

  private static List<String> sorted(List<String> names) {
    return names.stream().sorted().toList();
  }
}
