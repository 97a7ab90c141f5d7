package dev.kiln.image;

import java.util.List;
import java.util.Set;

/**
 * Which apt suites a {@code debian:<suite>} base is brought up to date from: the suite itself, its
 * {@code -updates} (stable updates between point releases) and its {@code -security} (Debian
 * security advisories, which reach the suite itself only at the next point release). debootstrap
 * reads the suite alone, so without the other two a fix published as a DSA would be missing from a
 * freshly made base for weeks.
 */
public final class DebianSuites {
  /** The main archive: the suite and its {@code -updates}. */
  public static final String MIRROR = "http://deb.debian.org/debian";

  /**
   * The security archive as deb.debian.org mirrors it (the same files as security.debian.org,
   * through the CDN).
   */
  public static final String SECURITY_MIRROR = "http://deb.debian.org/debian-security";

  /** Suites with neither updates nor security suites: fixes land in the suite itself. */
  private static final Set<String> ROLLING = Set.of("sid", "unstable", "experimental", "rc-buggy");

  private DebianSuites() {}

  /** One apt source: {@code deb URI SUITE main}. */
  public record Source(String uri, String suite) {
    /** The one-line form of {@code /etc/apt/sources.list}. */
    public String line() {
      return "deb " + uri + " " + suite + " main";
    }
  }

  /** The sources for {@code suite}, the suite itself first. */
  public static List<Source> sources(String suite) {
    if (ROLLING.contains(suite)) return List.of(new Source(MIRROR, suite));
    return List.of(
        new Source(MIRROR, suite),
        new Source(MIRROR, suite + "-updates"),
        new Source(SECURITY_MIRROR, suite + "-security"));
  }

  /** The suite names of {@link #sources}, for messages: {@code bookworm, bookworm-updates, …}. */
  public static List<String> names(String suite) {
    return sources(suite).stream().map(Source::suite).toList();
  }

  /** {@code /etc/apt/sources.list} for {@code suite}. */
  public static String sourcesList(String suite) {
    StringBuilder b = new StringBuilder();
    for (Source s : sources(suite)) b.append(s.line()).append('\n');
    return b.toString();
  }
}
