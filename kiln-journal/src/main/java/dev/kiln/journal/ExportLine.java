package dev.kiln.journal;

/** One line of {@code kiln audit export}: the stored entry with its hashes, as canonical JSON. */
final class ExportLine {
  private ExportLine() {}

  static String of(StoredRow row) {
    StringBuilder out = new StringBuilder("{\"actor\":");
    Canonical.string(row.actor(), out);
    out.append(",\"body\":");
    // A body edited into invalid JSON is exported as a string, so the export stays parseable.
    if (isJson(row.body())) out.append(row.body());
    else Canonical.string(row.body(), out);
    out.append(",\"cause\":");
    Canonical.string(row.cause(), out);
    out.append(",\"hash\":");
    Canonical.string(row.hash(), out);
    out.append(",\"kind\":");
    Canonical.string(row.kind(), out);
    out.append(",\"prevHash\":");
    Canonical.string(row.prevHash(), out);
    out.append(",\"seq\":").append(row.seq()).append(",\"subject\":");
    Canonical.string(row.subject(), out);
    out.append(",\"time\":");
    Canonical.string(row.time(), out);
    return out.append('}').toString();
  }

  private static boolean isJson(String text) {
    try {
      Canonical.JSON.readTree(text);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
