package dev.kiln.scan;

import java.util.List;
import java.util.Optional;

/**
 * An advisory matched to a package of an image: the installed version of the source package is in
 * an affected range of the image's release.
 *
 * @param aliases the other ids of the vulnerability (CVE ids of a DSA, or the DSA of a CVE when two
 *     feeds name it)
 * @param sourcePackage the Debian source package the advisory names
 * @param binaries the installed binary packages built from it
 * @param installed the installed version of the source package
 * @param fixed the lowest version that fixes it; empty when no fix is published yet
 * @param origin the feed file the advisory came from
 */
public record Finding(
    String advisory,
    List<String> aliases,
    String sourcePackage,
    List<String> binaries,
    String installed,
    Optional<String> fixed,
    Severity severity,
    String summary,
    String origin) {
  public Finding {
    aliases = List.copyOf(aliases);
    binaries = List.copyOf(binaries);
  }

  /** {@code fixed-available} or {@code no-fix} (no published fix: upgrading will not help yet). */
  public String status() {
    return fixed.isPresent() ? "fixed-available" : "no-fix";
  }

  /** The CVE ids among the advisory id and its aliases. */
  public List<String> cves() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(advisory), aliases.stream())
        .filter(s -> s.startsWith("CVE-"))
        .distinct()
        .toList();
  }
}
