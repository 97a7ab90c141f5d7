package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** The JSON of the environment kinds, for {@link EventCodec} (same rules: fixed field order). */
final class EnvironmentCodec {
  private EnvironmentCodec() {}

  static void encode(JournalEvent.EnvironmentApplied e, ObjectNode n) {
    n.put("environment", e.environment());
    n.put("blueprint", e.blueprint().toString());
    ObjectNode envs = n.putObject("environments");
    e.environments()
        .forEach(
            (name, d) -> {
              ObjectNode en = envs.putObject(name);
              en.put("router", d.router());
              d.promotionFrom().ifPresent(f -> en.put("promotionFrom", f));
              en.put("soak", d.soak().toString());
              ObjectNode services = en.putObject("services");
              d.services()
                  .forEach(
                      (svc, s) -> {
                        ObjectNode sn = services.putObject(svc);
                        sn.set("applied", BlueprintCodec.appliedServiceWithDrift(s.applied()));
                        sn.set("config", StateCodec.config(s.config()));
                      });
            });
  }

  static JournalEvent.EnvironmentApplied environmentApplied(JsonNode n) {
    TreeMap<String, JournalEvent.DeclaredEnvironment> envs = new TreeMap<>();
    required(n, "environments")
        .fields()
        .forEachRemaining(
            f -> {
              JsonNode en = f.getValue();
              TreeMap<String, JournalEvent.EnvironmentService> services = new TreeMap<>();
              required(en, "services")
                  .fields()
                  .forEachRemaining(
                      s ->
                          services.put(
                              s.getKey(),
                              new JournalEvent.EnvironmentService(
                                  BlueprintCodec.appliedServiceWithDrift(
                                      required(s.getValue(), "applied")),
                                  StateCodec.config(required(s.getValue(), "config")))));
              envs.put(
                  f.getKey(),
                  new JournalEvent.DeclaredEnvironment(
                      text(en, "router"),
                      opt(en, "promotionFrom"),
                      Duration.parse(text(en, "soak")),
                      services));
            });
    return new JournalEvent.EnvironmentApplied(
        text(n, "environment"), Digest.parse(text(n, "blueprint")), envs);
  }

  static void encode(JournalEvent.EnvPromoted e, ObjectNode n) {
    n.put("service", e.service());
    n.put("from", e.from());
    n.put("to", e.to());
    n.put("revision", e.revision());
    n.put("digest", e.digest().toString());
    n.put("soakStart", e.soakStart().toString());
    n.put("soak", e.soak().toString());
    strings(n.putArray("evidence"), e.evidence());
    n.put("via", e.via());
  }

  static JournalEvent.EnvPromoted envPromoted(JsonNode n) {
    return new JournalEvent.EnvPromoted(
        text(n, "service"),
        text(n, "from"),
        text(n, "to"),
        required(n, "revision").asInt(),
        Digest.parse(text(n, "digest")),
        Instant.parse(text(n, "soakStart")),
        Duration.parse(text(n, "soak")),
        strings(n.path("evidence")),
        text(n, "via"));
  }

  static void encode(JournalEvent.PromotionRefused e, ObjectNode n) {
    n.put("service", e.service());
    n.put("from", e.from());
    n.put("to", e.to());
    e.revision().ifPresent(r -> n.put("revision", r));
    e.digest().ifPresent(d -> n.put("digest", d.toString()));
    n.put("reason", e.reason());
    strings(n.putArray("evidence"), e.evidence());
    n.put("via", e.via());
  }

  static JournalEvent.PromotionRefused promotionRefused(JsonNode n) {
    return new JournalEvent.PromotionRefused(
        text(n, "service"),
        text(n, "from"),
        text(n, "to"),
        n.has("revision") ? Optional.of(n.get("revision").asInt()) : Optional.empty(),
        opt(n, "digest").map(Digest::parse),
        text(n, "reason"),
        strings(n.path("evidence")),
        text(n, "via"));
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static JsonNode required(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull()) throw new IllegalArgumentException("missing field " + name);
    return v;
  }

  private static String text(JsonNode n, String name) {
    return required(n, name).asText();
  }

  private static Optional<String> opt(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
  }
}
