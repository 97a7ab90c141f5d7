package dev.kiln.scan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which versions of one Debian source package in one release an advisory is about: OSV ranges of
 * type ECOSYSTEM (events introduced / fixed / last_affected) and explicit versions, or a tracker
 * entry turned into the same shape (open → introduced 0; resolved → introduced 0, fixed X).
 *
 * @param release the Debian release as the feed names it: a number from an OSV ecosystem ({@code
 *     Debian:12} → {@code 12}) or a tracker codename ({@code bookworm}); empty for an OSV {@code
 *     Debian} ecosystem without a release, which then applies to every release
 * @param sourcePackage advisories name Debian source packages, not binaries
 * @param ranges each a list of events; a version is affected if any range or {@code versions} says
 *     so
 * @param urgency the release's own severity (tracker urgency, OSV {@code ecosystem_specific})
 */
public record Affected(
    String release,
    String sourcePackage,
    List<List<Event>> ranges,
    List<DebianVersion> versions,
    Optional<Severity> urgency) {
  public Affected {
    ranges = ranges.stream().map(Affected::sorted).toList();
    versions = List.copyOf(versions);
  }

  /** One OSV event; {@code introduced: "0"} ("since always") has an empty version. */
  public record Event(Kind kind, Optional<DebianVersion> version) {
    public enum Kind {
      INTRODUCED,
      FIXED,
      LAST_AFFECTED,
      LIMIT
    }

    public static Event introducedAtStart() {
      return new Event(Kind.INTRODUCED, Optional.empty());
    }

    public static Event of(Kind kind, DebianVersion version) {
      return new Event(kind, Optional.of(version));
    }
  }

  /** Whether {@code installed} is affected, and the fix to upgrade to, if one is known. */
  public record Verdict(boolean affected, Optional<DebianVersion> fixed) {
    static final Verdict NOT_AFFECTED = new Verdict(false, Optional.empty());
  }

  /**
   * OSV's evaluation of ECOSYSTEM ranges, in Debian version order: walking each range's events from
   * the lowest version, "introduced" at or below the installed version turns it affected, "fixed"
   * at or below (or "last_affected" below) turns it back. The reported fix is the lowest "fixed"
   * above the installed version.
   */
  public Verdict verdict(DebianVersion installed) {
    boolean affected = versions.stream().anyMatch(v -> v.compareTo(installed) == 0);
    Optional<DebianVersion> fix = Optional.empty();
    for (List<Event> range : ranges) {
      boolean in = false;
      for (Event e : range) {
        switch (e.kind()) {
          case INTRODUCED -> {
            if (e.version().map(v -> installed.compareTo(v) >= 0).orElse(true)) in = true;
          }
          case FIXED -> {
            if (installed.compareTo(e.version().orElseThrow()) >= 0) in = false;
          }
          case LAST_AFFECTED -> {
            if (installed.compareTo(e.version().orElseThrow()) > 0) in = false;
          }
          case LIMIT -> {}
        }
      }
      if (!in) continue;
      affected = true;
      for (Event e : range) {
        if (e.kind() == Event.Kind.FIXED && e.version().orElseThrow().compareTo(installed) > 0) {
          DebianVersion f = e.version().orElseThrow();
          if (fix.isEmpty() || f.compareTo(fix.get()) < 0) fix = Optional.of(f);
          break; // sorted: the first fix above is the lowest
        }
      }
    }
    return affected ? new Verdict(true, fix) : Verdict.NOT_AFFECTED;
  }

  /** Whether this entry is about the image's release ({@code 12} or {@code bookworm}). */
  public boolean appliesTo(OsRelease os) {
    return release.isEmpty() || release.equals(os.versionId()) || release.equals(os.codename());
  }

  private static List<Event> sorted(List<Event> events) {
    List<Event> out = new ArrayList<>(events);
    // "Since always" first; on equal versions the order in the feed is kept (stable sort).
    out.sort(
        Comparator.comparing(
            Event::version,
            (a, b) ->
                a.isEmpty()
                    ? (b.isEmpty() ? 0 : -1)
                    : b.isEmpty() ? 1 : a.get().compareTo(b.get())));
    return List.copyOf(out);
  }
}
