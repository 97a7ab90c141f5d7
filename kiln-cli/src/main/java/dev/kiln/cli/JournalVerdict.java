package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.AuditVerifyResponse;
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
    // always sent, as the server's AuditVerifyResponse does
    var warnings = n.putArray("warnings");
    report.warnings().forEach(warnings::add);
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
  static String used(AuditVerifyResponse r) {
    // an older server named neither: the record reads them as null
    String database = r.database();
    if (database == null) return "database and key not named by the server";
    return "database "
        + database
        + ", key "
        + ApiRender.text(r.key())
        + " (key id "
        + ApiRender.text(r.keyId())
        + ")";
  }

  static String ok(AuditVerifyResponse r) {
    Long anchored = r.anchoredSeq();
    return "journal ok: "
        + r.entries()
        + " entries, "
        + r.checkpoints()
        + " signed checkpoints, "
        + (anchored != null ? "anchored at seq " + anchored : "not anchored")
        + ", head "
        + ApiRender.text(r.head())
        + "\n  "
        + used(r);
  }

  static String failure(AuditVerifyResponse r) {
    String message = r.message() == null ? "" : r.message();
    return "journal verification failed at entry "
        + ApiRender.number(r.badSeq())
        + " ("
        + ApiRender.text(r.reason())
        + ")"
        + (message.isBlank() ? "" : ": " + message)
        + "; "
        + used(r)
        + ". Entries from there on cannot be trusted: compare with an earlier `kiln audit export`,"
        + " and restore state.db and journal-head together from a backup";
  }
}
