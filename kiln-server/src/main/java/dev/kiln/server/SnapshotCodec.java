package dev.kiln.server;

import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.optLong;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON of the snapshot kinds — created, drilled, restored — for {@link EventCodec} (same rules:
 * fixed field order).
 */
final class SnapshotCodec {
  private SnapshotCodec() {}

  static void encode(JournalEvent.SnapshotCreated e, ObjectNode n) {
    n.put("file", e.file());
    n.put("journalSeq", e.journalSeq());
    n.put("bytes", e.bytes());
    n.put("members", e.members());
    n.put("sha256", e.sha256());
  }

  static JournalEvent.SnapshotCreated snapshotCreated(JsonNode n) {
    return new JournalEvent.SnapshotCreated(
        text(n, "file"),
        field(n, "journalSeq").asLong(),
        field(n, "bytes").asLong(),
        field(n, "members").asInt(),
        text(n, "sha256"));
  }

  static void encode(JournalEvent.SnapshotDrill e, ObjectNode n) {
    n.put("file", e.file());
    n.put("journalSeq", e.journalSeq());
    n.put("good", e.good());
    n.put("verdict", e.verdict());
  }

  static JournalEvent.SnapshotDrill snapshotDrill(JsonNode n) {
    return new JournalEvent.SnapshotDrill(
        text(n, "file"),
        field(n, "journalSeq").asLong(),
        field(n, "good").asBoolean(),
        text(n, "verdict"));
  }

  static void encode(JournalEvent.Restored e, ObjectNode n) {
    n.put("snapshot", e.snapshot());
    n.put("journalSeq", e.journalSeq());
    e.toSeq().ifPresent(v -> n.put("toSeq", v));
    n.put("keyId", e.keyId());
  }

  static JournalEvent.Restored restored(JsonNode n) {
    return new JournalEvent.Restored(
        text(n, "snapshot"),
        field(n, "journalSeq").asLong(),
        optLong(n, "toSeq"),
        text(n, "keyId"));
  }
}
