package dev.kiln.server;

import static dev.kiln.server.EventFields.digest;
import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.opt;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Autoscale;
import dev.kiln.model.Digest;
import dev.kiln.model.DriftPolicy;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON of {@code blueprint-applied} and of the applied service it (and {@link
 * EnvironmentCodec}) carries, for {@link EventCodec} (same rules: fixed field order).
 */
final class BlueprintCodec {
  private BlueprintCodec() {}

  static void encode(JournalEvent.BlueprintApplied e, ObjectNode n) {
    n.put("file", e.file());
    n.put("digest", e.digest().toString());
    e.commit().ifPresent(c -> n.put("commit", c));
    ObjectNode images = n.putObject("images");
    e.images().forEach((k, v) -> images.put(k, v.toString()));
    ObjectNode services = n.putObject("services");
    e.services()
        .forEach(
            (name, s) -> {
              services.set(name, appliedServiceWithDrift(s));
            });
    n.put("hasChanges", e.hasChanges());
  }

  static JournalEvent.BlueprintApplied blueprintApplied(JsonNode n) {
    TreeMap<String, Digest> images = new TreeMap<>();
    n.path("images")
        .fields()
        .forEachRemaining(f -> images.put(f.getKey(), Digest.parse(f.getValue().asText())));
    TreeMap<String, JournalEvent.AppliedService> services = new TreeMap<>();
    n.path("services")
        .fields()
        .forEachRemaining(f -> services.put(f.getKey(), appliedServiceWithDrift(f.getValue())));
    return new JournalEvent.BlueprintApplied(
        text(n, "file"),
        digest(n, "digest"),
        opt(n, "commit"),
        images,
        services,
        n.path("hasChanges").asBoolean(true));
  }

  /**
   * An applied service without its {@code drift}: as an environment carries it, and the part of a
   * {@code blueprint-applied} service before its {@code drift} (written only when not the default).
   */
  static ObjectNode appliedService(JournalEvent.AppliedService s) {
    ObjectNode sn = Json.object();
    sn.put("image", s.image());
    sn.put("replicas", s.replicas());
    sn.set("strategy", StateCodec.strategy(s.strategy()));
    sn.put("progressDeadline", s.progressDeadline().toString());
    s.autoscale().ifPresent(a -> sn.set("autoscale", autoscale(a)));
    return sn;
  }

  static JournalEvent.AppliedService appliedService(JsonNode s) {
    return new JournalEvent.AppliedService(
        s.path("image").asText(""),
        field(s, "replicas").asInt(),
        StateCodec.strategy(field(s, "strategy")),
        Duration.parse(text(s, "progressDeadline")),
        s.has("autoscale") ? Optional.of(autoscale(s.get("autoscale"))) : Optional.empty());
  }

  /**
   * An applied service with its {@code drift}, written only when not the default (so entries of
   * services without {@code drift:} are as they were before the key existed, and read back as the
   * default).
   */
  static ObjectNode appliedServiceWithDrift(JournalEvent.AppliedService s) {
    ObjectNode sn = appliedService(s);
    if (!s.drift().equals(DriftPolicy.DEFAULT)) sn.set("drift", drift(s.drift()));
    return sn;
  }

  static JournalEvent.AppliedService appliedServiceWithDrift(JsonNode s) {
    JournalEvent.AppliedService a = appliedService(s);
    if (!s.has("drift")) return a;
    return new JournalEvent.AppliedService(
        a.image(),
        a.replicas(),
        a.strategy(),
        a.progressDeadline(),
        a.autoscale(),
        drift(s.get("drift")));
  }

  static ObjectNode autoscale(Autoscale a) {
    ObjectNode n = Json.object();
    n.put("min", a.min());
    n.put("max", a.max());
    n.put("metric", a.target().metric().key);
    n.put("value", a.target().value());
    n.put("scaleDownDelay", a.scaleDownDelay().toString());
    a.idleToZero().ifPresent(d -> n.put("idleToZero", d.toString()));
    return n;
  }

  static Autoscale autoscale(JsonNode n) {
    String key = text(n, "metric");
    Autoscale.Metric metric =
        Arrays.stream(Autoscale.Metric.values())
            .filter(m -> m.key.equals(key))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("unknown autoscale metric " + key));
    return new Autoscale(
        field(n, "min").asInt(),
        field(n, "max").asInt(),
        new Autoscale.Target(metric, field(n, "value").asDouble()),
        Duration.parse(text(n, "scaleDownDelay")),
        n.has("idleToZero")
            ? Optional.of(Duration.parse(text(n, "idleToZero")))
            : Optional.empty());
  }

  static ObjectNode drift(DriftPolicy d) {
    ObjectNode n = Json.object();
    n.put("response", d.response());
    n.put("replacements", d.replacements());
    n.put("window", d.window().toString());
    return n;
  }

  static DriftPolicy drift(JsonNode n) {
    return new DriftPolicy(
        text(n, "response"), field(n, "replacements").asInt(), Duration.parse(text(n, "window")));
  }
}
