package dev.kiln.server;

import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.opt;
import static dev.kiln.server.EventFields.optLong;
import static dev.kiln.server.EventFields.strings;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.time.Duration;
import java.util.TreeMap;

/**
 * The JSON of the instance kinds — starting, stopping, adopted, failed, limits, moved, drifted —
 * for {@link EventCodec} (same rules: fixed field order).
 */
final class InstanceCodec {
  private InstanceCodec() {}

  static void encode(JournalEvent.InstanceStarting e, ObjectNode n) {
    n.put("service", e.service());
    n.put("revision", e.revision());
    e.image().ifPresent(i -> n.put("image", i.toString()));
    ArrayNode ids = n.putArray("instances");
    e.instances().forEach(ids::add);
  }

  static JournalEvent.InstanceStarting instanceStarting(JsonNode n) {
    return new JournalEvent.InstanceStarting(
        text(n, "service"),
        field(n, "revision").asInt(),
        opt(n, "image").map(Digest::parse),
        strings(field(n, "instances")));
  }

  static void encode(JournalEvent.InstanceStopping e, ObjectNode n) {
    n.put("service", e.service());
    n.put("instance", e.instance());
    n.put("reason", e.reason());
    n.put("drain", e.drain());
  }

  static JournalEvent.InstanceStopping instanceStopping(JsonNode n) {
    return new JournalEvent.InstanceStopping(
        text(n, "service"), text(n, "instance"), text(n, "reason"), field(n, "drain").asBoolean());
  }

  static void encode(JournalEvent.InstanceAdopted e, ObjectNode n) {
    n.put("service", e.service());
    n.put("fromRevision", e.fromRevision());
    n.put("toRevision", e.toRevision());
    ArrayNode ids = n.putArray("instances");
    e.instances().forEach(ids::add);
  }

  static JournalEvent.InstanceAdopted instanceAdopted(JsonNode n) {
    return new JournalEvent.InstanceAdopted(
        text(n, "service"),
        field(n, "fromRevision").asInt(),
        field(n, "toRevision").asInt(),
        strings(field(n, "instances")));
  }

  static void encode(JournalEvent.InstanceFailed e, ObjectNode n) {
    n.put("service", e.service());
    n.put("revision", e.revision());
    n.put("instance", e.instance());
    n.put("error", e.error());
    n.put("retryIn", e.retryIn().toString());
  }

  static JournalEvent.InstanceFailed instanceFailed(JsonNode n) {
    return new JournalEvent.InstanceFailed(
        text(n, "service"),
        field(n, "revision").asInt(),
        text(n, "instance"),
        text(n, "error"),
        Duration.parse(text(n, "retryIn")));
  }

  static void encode(JournalEvent.InstanceLimitExceeded e, ObjectNode n) {
    n.put("instance", e.instance());
    n.put("revision", e.revision());
    n.put("reason", e.reason());
    n.put("limit", e.limit());
    e.limitBytes().ifPresent(v -> n.put("limitBytes", v));
    e.peakBytes().ifPresent(v -> n.put("peakBytes", v));
    e.refusedForks().ifPresent(v -> n.put("refusedForks", v));
    e.exitCode().ifPresent(v -> n.put("exitCode", v));
  }

  static JournalEvent.InstanceLimitExceeded instanceLimitExceeded(JsonNode n, String subject) {
    return new JournalEvent.InstanceLimitExceeded(
        subject,
        text(n, "instance"),
        field(n, "revision").asInt(),
        text(n, "reason"),
        text(n, "limit"),
        optLong(n, "limitBytes"),
        optLong(n, "peakBytes"),
        optLong(n, "refusedForks"),
        optLong(n, "exitCode").map(Long::intValue));
  }

  static void encode(JournalEvent.InstanceMoved e, ObjectNode n) {
    n.put("revision", e.revision());
    n.put("instance", e.instance());
    n.put("fromNode", e.fromNode());
    n.put("replacement", e.replacement());
    n.put("toNode", e.toNode());
    n.put("reason", e.reason());
  }

  static JournalEvent.InstanceMoved instanceMoved(JsonNode n, String subject) {
    return new JournalEvent.InstanceMoved(
        subject,
        field(n, "revision").asInt(),
        text(n, "instance"),
        text(n, "fromNode"),
        text(n, "replacement"),
        text(n, "toNode"),
        text(n, "reason"));
  }

  static void encode(JournalEvent.InstanceDrifted e, ObjectNode n) {
    n.put("revision", e.revision());
    n.put("instance", e.instance());
    n.put("surface", e.surface());
    n.put("what", e.what());
    ObjectNode evidence = n.putObject("evidence");
    e.evidence().forEach(evidence::put);
    n.put("response", e.response());
    n.put("reason", e.reason());
  }

  static JournalEvent.InstanceDrifted instanceDrifted(JsonNode n, String subject) {
    TreeMap<String, String> evidence = new TreeMap<>();
    field(n, "evidence")
        .fields()
        .forEachRemaining(f -> evidence.put(f.getKey(), f.getValue().asText()));
    return new JournalEvent.InstanceDrifted(
        subject,
        field(n, "revision").asInt(),
        text(n, "instance"),
        text(n, "surface"),
        text(n, "what"),
        evidence,
        text(n, "response"),
        text(n, "reason"));
  }
}
