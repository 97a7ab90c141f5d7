package dev.kiln.cli;

import dev.kiln.api.AuditVerifyResponse;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.VerifyReport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A journal verdict as JSON, the same shape whether {@code kiln audit verify} asked the server or
 * verified a home itself, and its rendering. Every verdict names the database and the key it used:
 * an "ok" about some other journal is worth nothing.
 */
final class JournalVerdict {
  private JournalVerdict() {}

  /** The verdict of an offline verification with the public key in {@code keyFile}. */
  static AuditVerifyResponse of(VerifyReport report, Path keyFile, Anchoring anchoring) {
    Optional<VerifyReport.Break> b = report.firstBreak();
    return new AuditVerifyResponse(
        report.ok(),
        report.database().toString(),
        keyFile.toAbsolutePath().toString(),
        report.keyId(),
        anchoring.head().toString(),
        anchoring.witnesses().stream().map(Path::toString).toList(),
        report.entries(),
        report.checkpoints(),
        report.anchoredSeq().orElse(null),
        report.warnings(),
        report.head().orElse(null),
        b.map(VerifyReport.Break::seq).orElse(null),
        b.map(x -> x.reason().name().toLowerCase(Locale.ROOT)).orElse(null),
        b.map(VerifyReport.Break::message).orElse(null));
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
