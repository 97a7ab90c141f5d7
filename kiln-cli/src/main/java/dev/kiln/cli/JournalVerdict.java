package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.VerifyReport;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A journal verdict as JSON, the same shape whether {@code kiln audit verify} asked the server or
 * verified a home itself, and its rendering. Every verdict names the database and the key it used:
 * an "ok" about some other journal is worth nothing.
 */
final class JournalVerdict {
  private JournalVerdict() {}

  /** The verdict of an offline verification with the public key in {@code keyFile}. */
  static ObjectNode of(VerifyReport report, Path keyFile, Anchoring anchoring) {
    ObjectNode n = ApiClient.JSON.createObjectNode();
    n.put("ok", report.ok());
    n.put("database", report.database().toString());
    n.put("key", keyFile.toAbsolutePath().toString());
    n.put("keyId", report.keyId());
    n.put("entries", report.entries());
    n.put("checkpoints", report.checkpoints());
    n.put("anchor", anchoring.head().toString());
    anchoring.witnesses().forEach(w -> n.withArray("witnesses").add(w.toString()));
    report.head().ifPresent(h -> n.put("head", h));
    report.anchoredSeq().ifPresent(s -> n.put("anchoredSeq", s));
    report.warnings().forEach(n.withArray("warnings")::add);
    report
        .firstBreak()
        .ifPresent(
            b -> {
              n.put("badSeq", b.seq());
              n.put("reason", b.reason().name().toLowerCase(Locale.ROOT));
              n.put("message", b.message());
            });
    return n;
  }

  /** "database …, key … (key id …)", or what the server did not say. */
  static String used(JsonNode r) {
    if (!r.hasNonNull("database")) return "database and key not named by the server";
    return "database "
        + r.path("database").asText()
        + ", key "
        + ApiRender.text(r, "key")
        + " (key id "
        + ApiRender.text(r, "keyId")
        + ")";
  }

  static String ok(JsonNode r) {
    return "journal ok: "
        + r.path("entries").asLong()
        + " entries, "
        + r.path("checkpoints").asLong()
        + " signed checkpoints, "
        + (r.has("anchoredSeq")
            ? "anchored at seq " + r.path("anchoredSeq").asLong()
            : "not anchored")
        + ", head "
        + ApiRender.text(r, "head")
        + "\n  "
        + used(r);
  }

  static String failure(JsonNode r) {
    String message = r.path("message").asText("");
    return "journal verification failed at entry "
        + ApiRender.number(r, "badSeq")
        + " ("
        + ApiRender.text(r, "reason")
        + ")"
        + (message.isBlank() ? "" : ": " + message)
        + "; "
        + used(r)
        + ". Entries from there on cannot be trusted: compare with an earlier `kiln audit export`,"
        + " and restore state.db and journal-head together from a backup";
  }
}
