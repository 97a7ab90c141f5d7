package dev.kiln.scan;

import java.util.List;

/**
 * One advisory as read from a feed, whichever the format: an OSV record ({@code DSA-5532-1}, {@code
 * DEBIAN-CVE-2023-5678}) or one CVE of one source package of the Debian Security Tracker.
 *
 * @param aliases other ids of the same vulnerability (CVE ids for a DSA), without {@code id}
 * @param severity the advisory's own severity (CVSS, {@code database_specific}); an {@link
 *     Affected}'s urgency, when it has one, is more precise for its release
 * @param origin the feed file it came from, for the report and SARIF
 */
public record Advisory(
    String id,
    List<String> aliases,
    String summary,
    Severity severity,
    String origin,
    List<Affected> affected) {
  public Advisory {
    aliases = List.copyOf(aliases);
    affected = List.copyOf(affected);
  }
}
