package dev.kiln.scan;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Fixture feeds: small OSV records and tracker JSON, written as files or zips in a test's dir. */
final class Feeds {
  private Feeds() {}

  /** A DSA for openssl in Debian 12, fixed in 3.0.11-1~deb12u1, CVSS 9.8 in its vector. */
  static final String DSA_OPENSSL =
      """
      {"schema_version": "1.6.0", "id": "DSA-5532-1", "modified": "2026-01-01T00:00:00Z",
       "aliases": ["CVE-2023-5678"], "summary": "openssl - security update",
       "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
       "affected": [
         {"package": {"ecosystem": "Debian:12", "name": "openssl"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]}]},
         {"package": {"ecosystem": "Debian:11", "name": "openssl"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u1"}]}]}
       ]}
      """;

  /** An unfixed low-urgency zlib CVE in Debian 12 (osv.dev's DEBIAN-CVE shape). */
  static final String ZLIB_OPEN =
      """
      {"id": "DEBIAN-CVE-2023-45853", "modified": "2026-01-01T00:00:00Z",
       "upstream": ["CVE-2023-45853"],
       "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                     "ecosystem_specific": {"urgency": "low"}}]}
      """;

  /** Tracker JSON: the openssl CVE again (with a later fix), and glibc resolved / not affected. */
  static final String TRACKER =
      """
      {"openssl": {"CVE-2023-5678": {"description": "openssl DoS", "scope": "local",
                     "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.11-1~deb12u2",
                                               "urgency": "medium", "repositories": {"bookworm": "3.0.11-1~deb12u2"}},
                                  "bullseye": {"status": "open", "urgency": "low"}}}},
       "glibc": {"CVE-2023-4911": {"description": "Looney Tunables",
                   "releases": {"bookworm": {"status": "resolved", "fixed_version": "2.36-9+deb12u3", "urgency": "high"}}},
                 "CVE-2010-0001": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}}}},
       "perl": {"CVE-2023-47038": {"releases": {"bookworm": {"status": "open", "urgency": "not yet assigned"}}}}}
      """;

  static Path dir(Path at, Map<String, String> files) throws IOException {
    Files.createDirectories(at);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = at.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    return at;
  }

  static Path zip(Path file, Map<String, String> entries) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return file;
  }
}
