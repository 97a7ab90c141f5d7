package dev.kiln.scan;

/**
 * Something a scan skipped and says so instead of crashing: a malformed advisory file or entry
 * (located by its file and JSON path, or line:column for a syntax error), an unreadable package
 * version, an image whose release is unknown.
 *
 * @param where the file (inside a zip: {@code feed.zip!/DEBIAN-CVE-2024-1.json}) or the image
 * @param path a JSON path such as {@code $.affected[0].ranges[1].events[0].fixed}, or {@code 12:5}
 *     (line:column), or empty when the whole file or image is meant
 */
public record ScanWarning(String where, String path, String message) {
  @Override
  public String toString() {
    return where + (path.isEmpty() ? "" : ": " + path) + ": " + message;
  }
}
