package dev.kiln.server;

import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.opt;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON of the kinds that move a service between revisions — revisions, rollouts, traffic,
 * rollback requests, scaling, removal — for {@link EventCodec} (same rules: fixed field order).
 */
final class RolloutCodec {
  private RolloutCodec() {}

  static void encode(JournalEvent.RevisionCreated e, ObjectNode n) {
    n.set("revision", StateCodec.revision(e.revision()));
    n.put("cause", e.cause());
  }

  static JournalEvent.RevisionCreated revisionCreated(JsonNode n) {
    return new JournalEvent.RevisionCreated(
        StateCodec.revision(field(n, "revision")), n.path("cause").asText("apply"));
  }

  static void encode(JournalEvent.RolloutStarted e, ObjectNode n) {
    n.set("rollout", StateCodec.rollout(e.rollout()));
    e.supersedes().ifPresent(s -> n.put("supersedes", s));
  }

  static JournalEvent.RolloutStarted rolloutStarted(JsonNode n) {
    return new JournalEvent.RolloutStarted(
        StateCodec.rollout(field(n, "rollout")),
        n.has("supersedes") ? Optional.of(n.get("supersedes").asInt()) : Optional.empty());
  }

  static void encode(JournalEvent.RolloutState e, ObjectNode n) {
    n.set("rollout", StateCodec.rollout(e.rollout()));
  }

  static JournalEvent.RolloutState rolloutState(JsonNode n) {
    return new JournalEvent.RolloutState(StateCodec.rollout(field(n, "rollout")));
  }

  static void encode(JournalEvent.RolloutIntent e, ObjectNode n) {
    e.request().ifPresent(r -> n.put("request", r));
    n.set("rollout", StateCodec.rollout(e.rollout()));
  }

  static JournalEvent.RolloutIntent rolloutIntent(JsonNode n) {
    return new JournalEvent.RolloutIntent(
        StateCodec.rollout(field(n, "rollout")), opt(n, "request"));
  }

  static void encode(JournalEvent.TrafficSet e, ObjectNode n) {
    n.put("service", e.service());
    n.set("traffic", StateCodec.traffic(e.traffic()));
  }

  static JournalEvent.TrafficSet trafficSet(JsonNode n, String subject) {
    return new JournalEvent.TrafficSet(
        n.path("service").asText(subject), StateCodec.traffic(field(n, "traffic")));
  }

  static void encode(JournalEvent.ServiceScaled e, ObjectNode n) {
    n.put("service", e.service());
    n.put("from", e.from());
    n.put("to", e.to());
    ObjectNode per = n.putObject("perRevision");
    e.perRevision().forEach((k, v) -> per.put(Integer.toString(k), v));
    n.put("rule", e.rule());
    ObjectNode in = n.putObject("inputs");
    e.inputs().forEach(in::put);
  }

  static JournalEvent.ServiceScaled serviceScaled(JsonNode n) {
    TreeMap<Integer, Integer> per = new TreeMap<>();
    field(n, "perRevision")
        .fields()
        .forEachRemaining(f -> per.put(Integer.parseInt(f.getKey()), f.getValue().asInt()));
    TreeMap<String, String> in = new TreeMap<>();
    field(n, "inputs").fields().forEachRemaining(f -> in.put(f.getKey(), f.getValue().asText()));
    return new JournalEvent.ServiceScaled(
        text(n, "service"),
        field(n, "from").asInt(),
        field(n, "to").asInt(),
        per,
        text(n, "rule"),
        in);
  }

  static void encode(JournalEvent.ServiceRemoved e, ObjectNode n) {
    n.put("revision", e.revision());
  }

  static JournalEvent.ServiceRemoved serviceRemoved(JsonNode n, String subject) {
    return new JournalEvent.ServiceRemoved(subject, field(n, "revision").asInt());
  }

  static void encode(JournalEvent.RollbackRequested e, ObjectNode n) {
    n.put("from", e.from());
    n.put("to", e.to());
    n.put("contentOf", e.contentOf());
    n.put("mode", e.mode());
  }

  static JournalEvent.RollbackRequested rollbackRequested(JsonNode n, String subject) {
    return new JournalEvent.RollbackRequested(
        subject,
        field(n, "from").asInt(),
        field(n, "to").asInt(),
        text(n, "contentOf"),
        text(n, "mode"));
  }
}
