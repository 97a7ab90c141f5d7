package dev.kiln.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Installed packages from dpkg's status database (and distroless-style {@code status.d/}). */
final class DpkgDatabase {
  private static final String STATUS = "/var/lib/dpkg/status";
  private static final String STATUS_D = "/var/lib/dpkg/status.d/";
  private static final String OS_RELEASE = "/etc/os-release";
  private static final String OS_RELEASE_USR = "/usr/lib/os-release";

  private DpkgDatabase() {}

  /**
   * One installed binary package. Advisories name Debian <em>source</em> packages, so the source
   * (dpkg's {@code Source:} field, "{@code name}" or "{@code name (version)}" when it was built
   * from another source version, e.g. a binNMU) is kept; absent, it is the binary's own name and
   * version.
   */
  record Package(
      String name,
      String version,
      String architecture,
      String database,
      String source,
      String sourceVersion) {
    /** A package URL as the purl spec writes Debian packages. */
    String purl(String distro) {
      return "pkg:deb/"
          + distro
          + "/"
          + encode(name)
          + "@"
          + encode(version)
          + (architecture.isEmpty() ? "" : "?arch=" + encode(architecture));
    }
  }

  static boolean isDatabase(String path) {
    return path.equals(STATUS)
        || path.startsWith(STATUS_D)
        || path.equals(OS_RELEASE)
        || path.equals(OS_RELEASE_USR);
  }

  /** The distribution id for purls ({@code debian}, {@code ubuntu}), from os-release. */
  static String distro(ImageFiles files) {
    byte[] osRelease = files.kept().getOrDefault(OS_RELEASE, files.kept().get(OS_RELEASE_USR));
    if (osRelease != null) {
      for (String line : new String(osRelease, StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("ID=")) {
          String id = line.substring(3).replace("\"", "").trim().toLowerCase();
          if (id.matches("[a-z0-9._-]+")) return id;
        }
      }
    }
    return "debian";
  }

  /**
   * The operating system from os-release: {@code ID}, {@code VERSION_ID} and {@code
   * VERSION_CODENAME} (empty strings where absent), so a scanner can pick the advisories of the
   * image's release ({@code Debian:12}, {@code bookworm}).
   */
  record OperatingSystem(String id, String versionId, String codename) {}

  static Optional<OperatingSystem> operatingSystem(ImageFiles files) {
    byte[] osRelease = files.kept().getOrDefault(OS_RELEASE, files.kept().get(OS_RELEASE_USR));
    if (osRelease == null) return Optional.empty();
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : new String(osRelease, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq <= 0) continue;
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'")))
        value = value.substring(1, value.length() - 1);
      fields.put(line.substring(0, eq).strip(), value);
    }
    String id = fields.getOrDefault("ID", "").toLowerCase();
    if (!id.matches("[a-z0-9._-]+")) return Optional.empty();
    return Optional.of(
        new OperatingSystem(
            id,
            fields.getOrDefault("VERSION_ID", ""),
            fields.getOrDefault("VERSION_CODENAME", "")));
  }

  /** Installed packages, sorted by name then architecture. */
  static List<Package> installed(ImageFiles files) {
    TreeMap<String, Package> out = new TreeMap<>();
    for (Map.Entry<String, byte[]> db : files.kept().entrySet()) {
      if (!db.getKey().equals(STATUS) && !db.getKey().startsWith(STATUS_D)) continue;
      for (Map<String, String> p : paragraphs(new String(db.getValue(), StandardCharsets.UTF_8))) {
        String status = p.getOrDefault("Status", "install ok installed");
        if (!status.endsWith(" installed") || !p.containsKey("Package")) continue;
        String name = p.get("Package");
        String version = p.getOrDefault("Version", "");
        String source = p.getOrDefault("Source", "").strip();
        String sourceVersion = version;
        int paren = source.indexOf('(');
        if (paren > 0 && source.endsWith(")")) {
          sourceVersion = source.substring(paren + 1, source.length() - 1).strip();
          source = source.substring(0, paren).strip();
        }
        Package pkg =
            new Package(
                name,
                version,
                p.getOrDefault("Architecture", ""),
                db.getKey(),
                source.isEmpty() ? name : source,
                sourceVersion);
        out.put(pkg.name() + "\0" + pkg.architecture(), pkg);
      }
    }
    return List.copyOf(out.values());
  }

  static List<Map<String, String>> paragraphs(String text) {
    List<Map<String, String>> out = new ArrayList<>();
    Map<String, String> current = new LinkedHashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isBlank()) {
        if (!current.isEmpty()) out.add(current);
        current = new LinkedHashMap<>();
      } else if (line.startsWith(" ") || line.startsWith("\t")) {
        continue; // continuation of a multi-line field (Description, Conffiles)
      } else {
        int colon = line.indexOf(':');
        if (colon > 0) current.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    if (!current.isEmpty()) out.add(current);
    return out;
  }

  /**
   * Percent-encodes all but unreserved characters, as purl requires for versions ({@code
   * 1:2.3+b1}).
   */
  static String encode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '-'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return b.toString();
  }
}
