package dev.kiln.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Installed packages from dpkg's status database (and distroless-style {@code status.d/}). */
final class DpkgDatabase {
  private static final String STATUS = "/var/lib/dpkg/status";
  private static final String STATUS_D = "/var/lib/dpkg/status.d/";
  private static final String OS_RELEASE = "/etc/os-release";
  private static final String OS_RELEASE_USR = "/usr/lib/os-release";

  private DpkgDatabase() {}

  record Package(String name, String version, String architecture, String database) {
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

  /** Installed packages, sorted by name then architecture. */
  static List<Package> installed(ImageFiles files) {
    TreeMap<String, Package> out = new TreeMap<>();
    for (Map.Entry<String, byte[]> db : files.kept().entrySet()) {
      if (!db.getKey().equals(STATUS) && !db.getKey().startsWith(STATUS_D)) continue;
      for (Map<String, String> p : paragraphs(new String(db.getValue(), StandardCharsets.UTF_8))) {
        String status = p.getOrDefault("Status", "install ok installed");
        if (!status.endsWith(" installed") || !p.containsKey("Package")) continue;
        Package pkg =
            new Package(
                p.get("Package"),
                p.getOrDefault("Version", ""),
                p.getOrDefault("Architecture", ""),
                db.getKey());
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
