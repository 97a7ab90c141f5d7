package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.Condition;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RuntimeConfig;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Digest;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON forms of the controller's records as journal bodies carry them. State is a projection of
 * the journal, so these forms are complete: decoding what was encoded gives an equal record.
 * Durations are ISO-8601 strings and fractions are strings, so the journal's canonical JSON never
 * depends on how a double prints.
 */
public final class StateCodec {
  private StateCodec() {}

  // --- Revision and RuntimeConfig ---

  public static ObjectNode revision(Revision r) {
    ObjectNode n = Json.object();
    n.put("service", r.service());
    n.put("number", r.number());
    n.put("image", r.image().toString());
    n.put("contentDigest", r.contentDigest().toString());
    n.set("runtimeConfig", config(r.config()));
    return n;
  }

  public static Revision revision(JsonNode n) {
    return new Revision(
        n.get("service").asText(),
        n.get("number").asInt(),
        Digest.parse(n.get("image").asText()),
        config(n.get("runtimeConfig")));
  }

  public static ObjectNode config(RuntimeConfig c) {
    ObjectNode n = Json.object();
    ObjectNode env = n.putObject("env");
    c.env().forEach(env::put);
    ArrayNode secrets = n.putArray("secrets");
    c.secrets().forEach(secrets::add);
    ObjectNode volumes = n.putObject("volumes");
    c.volumes().forEach(volumes::put);
    c.health().ifPresent(h -> n.set("health", health(h)));
    c.route().ifPresent(r -> n.set("route", route(r)));
    // absent when unlimited: state written before resources existed reads back the same
    if (c.resources().limited()) {
      ObjectNode resources = n.putObject("resources");
      resources.put("memoryBytes", c.resources().memoryBytes());
      resources.put("cpuMillis", c.resources().cpuMillis());
      resources.put("pids", c.resources().pids());
    }
    n.put("runtime", c.runtime());
    if (!c.network().equals("private")) n.put("network", c.network());
    return n;
  }

  public static RuntimeConfig config(JsonNode n) {
    TreeMap<String, String> env = new TreeMap<>();
    n.get("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    List<String> secrets = new ArrayList<>();
    n.get("secrets").forEach(s -> secrets.add(s.asText()));
    TreeMap<String, String> volumes = new TreeMap<>();
    n.get("volumes").fields().forEachRemaining(e -> volumes.put(e.getKey(), e.getValue().asText()));
    return new RuntimeConfig(
        env,
        secrets,
        volumes,
        Optional.ofNullable(n.get("health")).map(StateCodec::health),
        Optional.ofNullable(n.get("route")).map(StateCodec::route),
        Optional.ofNullable(n.get("resources"))
            .map(
                r ->
                    new Resources(
                        r.get("memoryBytes").asLong(),
                        r.get("cpuMillis").asInt(),
                        r.get("pids").asInt()))
            .orElse(Resources.UNLIMITED),
        n.get("runtime").asText(),
        Optional.ofNullable(n.get("network")).map(JsonNode::asText).orElse("private"));
  }

  static ObjectNode health(HealthCheck h) {
    ObjectNode n = Json.object();
    switch (h.probe()) {
      case HealthCheck.Probe.Http http -> {
        n.put("probe", "http");
        n.put("path", http.path());
        n.put("expect", http.expect());
      }
      case HealthCheck.Probe.Tcp tcp -> n.put("probe", "tcp");
      case HealthCheck.Probe.Exec exec -> {
        n.put("probe", "exec");
        ArrayNode cmd = n.putArray("command");
        exec.command().forEach(cmd::add);
      }
    }
    n.put("interval", h.interval().toString());
    n.put("timeout", h.timeout().toString());
    n.put("healthy", h.healthy());
    n.put("unhealthy", h.unhealthy());
    n.put("startDeadline", h.startDeadline().toString());
    return n;
  }

  static HealthCheck health(JsonNode n) {
    HealthCheck.Probe probe =
        switch (n.get("probe").asText()) {
          case "http" ->
              new HealthCheck.Probe.Http(n.get("path").asText(), n.get("expect").asInt());
          case "tcp" -> new HealthCheck.Probe.Tcp();
          default -> {
            List<String> cmd = new ArrayList<>();
            n.get("command").forEach(c -> cmd.add(c.asText()));
            yield new HealthCheck.Probe.Exec(cmd);
          }
        };
    return new HealthCheck(
        probe,
        Duration.parse(n.get("interval").asText()),
        Duration.parse(n.get("timeout").asText()),
        n.get("healthy").asInt(),
        n.get("unhealthy").asInt(),
        Duration.parse(n.get("startDeadline").asText()));
  }

  static ObjectNode route(Route r) {
    ObjectNode n = Json.object();
    n.put("host", r.host());
    n.put("path", r.pathPrefix());
    return n;
  }

  static Route route(JsonNode n) {
    return new Route(n.get("host").asText(), n.get("path").asText());
  }

  // --- Strategy ---

  public static ObjectNode strategy(Strategy s) {
    ObjectNode n = Json.object();
    switch (s) {
      case Strategy.Rolling r -> {
        n.put("kind", "rolling");
        n.put("maxSurge", r.maxSurge());
        n.put("maxUnavailable", r.maxUnavailable());
      }
      case Strategy.BlueGreen b -> {
        n.put("kind", "blue-green");
        b.autoPromote().ifPresent(d -> n.put("autoPromote", d.toString()));
        n.put("scaleDownDelay", b.scaleDownDelay().toString());
      }
      case Strategy.Canary c -> {
        n.put("kind", "canary");
        ArrayNode steps = n.putArray("steps");
        for (Strategy.CanaryStep step : c.steps()) {
          ObjectNode sn = steps.addObject();
          sn.put("weight", step.weight());
          step.pause().ifPresent(p -> sn.put("pause", p.toString()));
        }
        c.analysis()
            .ifPresent(
                a -> {
                  ObjectNode an = n.putObject("analysis");
                  an.put("maxErrorRate", Double.toString(a.maxErrorRate()));
                  a.maxP99().ifPresent(p -> an.put("maxP99", p.toString()));
                  an.put("minRequests", a.minRequests());
                });
      }
    }
    return n;
  }

  public static Strategy strategy(JsonNode n) {
    return switch (n.get("kind").asText()) {
      case "rolling" ->
          new Strategy.Rolling(n.get("maxSurge").asInt(), n.get("maxUnavailable").asInt());
      case "blue-green" ->
          new Strategy.BlueGreen(
              optDuration(n, "autoPromote"), Duration.parse(n.get("scaleDownDelay").asText()));
      default -> {
        List<Strategy.CanaryStep> steps = new ArrayList<>();
        n.get("steps")
            .forEach(
                s ->
                    steps.add(
                        new Strategy.CanaryStep(s.get("weight").asInt(), optDuration(s, "pause"))));
        Optional<Strategy.Analysis> analysis =
            Optional.ofNullable(n.get("analysis"))
                .map(
                    a ->
                        new Strategy.Analysis(
                            Double.parseDouble(a.get("maxErrorRate").asText()),
                            optDuration(a, "maxP99"),
                            a.get("minRequests").asInt()));
        yield new Strategy.Canary(steps, analysis);
      }
    };
  }

  public static String strategyName(Strategy s) {
    return switch (s) {
      case Strategy.Rolling r -> "rolling";
      case Strategy.BlueGreen b -> "blue-green";
      case Strategy.Canary c -> "canary";
    };
  }

  // --- Rollout ---

  public static ObjectNode rollout(Rollout r) {
    ObjectNode n = Json.object();
    n.put("service", r.service());
    n.put("from", r.from());
    n.put("to", r.to());
    n.put("replicas", r.replicas());
    n.set("strategy", strategy(r.strategy()));
    n.put("progressDeadline", r.progressDeadline().toString());
    n.put("fastTrack", r.fastTrack());
    n.put("phase", r.phase().name());
    n.put("step", r.step());
    r.stepStartedAt().ifPresent(t -> n.put("stepStartedAt", t.toString()));
    n.put("lastProgressAt", r.lastProgressAt().toString());
    n.put("progressMark", r.progressMark());
    n.put("waitingOnPurpose", r.waitingOnPurpose());
    r.switchedAt().ifPresent(t -> n.put("switchedAt", t.toString()));
    ObjectNode intent = n.putObject("intent");
    intent.put("pause", r.intent().pause());
    intent.put("promote", r.intent().promote());
    intent.put("abort", r.intent().abort());
    n.set("conditions", conditions(r.conditions()));
    return n;
  }

  public static Rollout rollout(JsonNode n) {
    JsonNode intent = n.get("intent");
    return new Rollout(
        n.get("service").asText(),
        n.get("from").asInt(),
        n.get("to").asInt(),
        n.get("replicas").asInt(),
        strategy(n.get("strategy")),
        Duration.parse(n.get("progressDeadline").asText()),
        n.get("fastTrack").asBoolean(),
        Rollout.Phase.valueOf(n.get("phase").asText()),
        n.get("step").asInt(),
        optInstant(n, "stepStartedAt"),
        Instant.parse(n.get("lastProgressAt").asText()),
        n.get("progressMark").asInt(),
        n.get("waitingOnPurpose").asBoolean(),
        optInstant(n, "switchedAt"),
        new Rollout.Intent(
            intent.get("pause").asBoolean(),
            intent.get("promote").asBoolean(),
            intent.get("abort").asBoolean()),
        conditions(n.get("conditions")));
  }

  public static ArrayNode conditions(List<Condition> conditions) {
    ArrayNode a = Json.array();
    for (Condition c : conditions) {
      ObjectNode cn = a.addObject();
      cn.put("type", c.type());
      cn.put("status", c.status());
      cn.put("reason", c.reason());
      cn.put("message", c.message());
      cn.put("at", c.at().toString());
    }
    return a;
  }

  static List<Condition> conditions(JsonNode a) {
    List<Condition> out = new ArrayList<>();
    a.forEach(
        c ->
            out.add(
                new Condition(
                    c.get("type").asText(),
                    c.get("status").asBoolean(),
                    c.get("reason").asText(),
                    c.get("message").asText(),
                    Instant.parse(c.get("at").asText()))));
    return out;
  }

  // --- Traffic ---

  public static ObjectNode traffic(Traffic t) {
    ObjectNode n = Json.object();
    ObjectNode w = n.putObject("weights");
    t.weights().forEach((rev, weight) -> w.put(Integer.toString(rev), weight));
    t.preview()
        .ifPresent(
            p -> {
              ObjectNode pn = n.putObject("preview");
              pn.put("revision", p.revision());
              pn.put("header", p.header());
              pn.put("value", p.value());
            });
    return n;
  }

  public static Traffic traffic(JsonNode n) {
    TreeMap<Integer, Integer> w = new TreeMap<>();
    n.get("weights")
        .fields()
        .forEachRemaining(e -> w.put(Integer.parseInt(e.getKey()), e.getValue().asInt()));
    Optional<Traffic.Preview> preview =
        Optional.ofNullable(n.get("preview"))
            .map(
                p ->
                    new Traffic.Preview(
                        p.get("revision").asInt(),
                        p.get("header").asText(),
                        p.get("value").asText()));
    return new Traffic(w, preview);
  }

  private static Optional<Duration> optDuration(JsonNode n, String field) {
    return Optional.ofNullable(n.get(field)).map(v -> Duration.parse(v.asText()));
  }

  private static Optional<Instant> optInstant(JsonNode n, String field) {
    return Optional.ofNullable(n.get(field)).map(v -> Instant.parse(v.asText()));
  }
}
