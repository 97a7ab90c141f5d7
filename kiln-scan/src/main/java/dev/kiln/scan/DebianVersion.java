package dev.kiln.scan;

/**
 * A Debian package version, {@code [epoch:]upstream[-revision]}, ordered exactly as {@code dpkg
 * --compare-versions} orders it (deb-version(7)); {@code DebianVersionPropertyTest} checks that
 * against the real dpkg on generated pairs.
 *
 * <p>Why not a library: the one maintained candidate on Maven Central, versatile-core 0.18.1
 * ({@code DebianVersion}), parses digit runs with {@code Integer.parseInt} and throws on versions
 * such as {@code 0.0~git20230605155624-1}, which are common in Debian; it also classifies
 * characters with Unicode rules where dpkg uses ASCII. The algorithm is small, so it lives here,
 * with the reasons next to each rule.
 *
 * <p>Parsing follows dpkg's rules (the epoch ends at the first colon, the revision starts after the
 * last hyphen, an absent revision equals {@code 0}) but is stricter on characters: where dpkg only
 * warns about a character outside {@code [A-Za-z0-9.+~:-]} or an upstream version not starting with
 * a digit, this refuses the former (such a version is a malformed advisory or SBOM, reported with
 * its location) and accepts the latter as dpkg does.
 */
public record DebianVersion(long epoch, String upstream, String revision)
    implements Comparable<DebianVersion> {

  /** dpkg refuses epochs above INT_MAX. */
  private static final long MAX_EPOCH = Integer.MAX_VALUE;

  public DebianVersion {
    if (epoch < 0 || epoch > MAX_EPOCH)
      throw new IllegalArgumentException("epoch " + epoch + " is out of range");
    if (upstream.isEmpty()) throw new IllegalArgumentException("the upstream version is empty");
  }

  /** Parses {@code text} or throws {@link IllegalArgumentException} saying what is wrong. */
  public static DebianVersion parse(String text) {
    String s = text.strip();
    if (s.isEmpty()) throw new IllegalArgumentException("the version is empty");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isAsciiAlnum(c) && ".+~:-".indexOf(c) < 0)
        throw new IllegalArgumentException(
            "'" + text + "' is not a Debian version: character '" + c + "' at " + (i + 1));
    }
    long epoch = 0;
    int colon = s.indexOf(':');
    if (colon >= 0) {
      String e = s.substring(0, colon);
      if (e.isEmpty() || !e.chars().allMatch(ch -> ch >= '0' && ch <= '9'))
        throw new IllegalArgumentException(
            "'" + text + "' is not a Debian version: the epoch is not a number");
      if (e.length() > 10 || Long.parseLong(e) > MAX_EPOCH)
        throw new IllegalArgumentException(
            "'" + text + "' is not a Debian version: the epoch is too large");
      epoch = Long.parseLong(e);
      s = s.substring(colon + 1);
    }
    String revision = "";
    int hyphen = s.lastIndexOf('-');
    if (hyphen >= 0) {
      revision = s.substring(hyphen + 1);
      s = s.substring(0, hyphen);
      if (revision.isEmpty())
        throw new IllegalArgumentException(
            "'" + text + "' is not a Debian version: the revision after '-' is empty");
      if (revision.indexOf(':') >= 0)
        throw new IllegalArgumentException(
            "'" + text + "' is not a Debian version: a revision cannot contain ':'");
    }
    if (s.isEmpty())
      throw new IllegalArgumentException(
          "'" + text + "' is not a Debian version: the upstream version is empty");
    return new DebianVersion(epoch, s, revision);
  }

  /** Compares two version strings; both must parse. */
  public static int compare(String a, String b) {
    return parse(a).compareTo(parse(b));
  }

  @Override
  public int compareTo(DebianVersion o) {
    int c = Long.compare(epoch, o.epoch);
    if (c != 0) return c;
    c = compareParts(upstream, o.upstream);
    if (c != 0) return c;
    // An absent revision is the empty string, which compares equal to "0" (1.0 == 1.0-0).
    return compareParts(revision, o.revision);
  }

  /**
   * dpkg's comparison of an upstream version or revision: alternately a run of non-digits, compared
   * character by character with {@link #weight}, and a run of digits, compared as a number of any
   * length (no overflow: leading zeros are skipped, then the longer run is larger, then the first
   * differing digit decides).
   */
  static int compareParts(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() || j < b.length()) {
      // The non-digit run. A side already at a digit (or at its end) weighs 0 here, so "1.0" >
      // "1" (the '.' outweighs the end) and "1~" < "1" (the '~' weighs less than the end).
      while ((i < a.length() && !isDigit(a.charAt(i)))
          || (j < b.length() && !isDigit(b.charAt(j)))) {
        int wa = i < a.length() ? weight(a.charAt(i)) : 0;
        int wb = j < b.length() ? weight(b.charAt(j)) : 0;
        if (wa != wb) return Integer.compare(wa, wb);
        i++;
        j++;
      }
      while (i < a.length() && a.charAt(i) == '0') i++;
      while (j < b.length() && b.charAt(j) == '0') j++;
      int firstDifference = 0;
      while (i < a.length() && isDigit(a.charAt(i)) && j < b.length() && isDigit(b.charAt(j))) {
        if (firstDifference == 0) firstDifference = a.charAt(i) - b.charAt(j);
        i++;
        j++;
      }
      if (i < a.length() && isDigit(a.charAt(i))) return 1;
      if (j < b.length() && isDigit(b.charAt(j))) return -1;
      if (firstDifference != 0) return Integer.signum(firstDifference);
    }
    return 0;
  }

  /**
   * The weight of a character in a non-digit run: '~' below everything (even the end of the string,
   * so pre-releases sort first), then the end of the string and digits, then letters in ASCII
   * order, then every other character above all letters.
   */
  private static int weight(char c) {
    if (c == '~') return -1;
    if (isDigit(c)) return 0;
    if (isAsciiLetter(c)) return c;
    return c + 256;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isAsciiAlnum(char c) {
    return isDigit(c) || isAsciiLetter(c);
  }

  /** The version as dpkg prints it: the epoch only when not 0, the revision only when present. */
  @Override
  public String toString() {
    return (epoch == 0 ? "" : epoch + ":") + upstream + (revision.isEmpty() ? "" : "-" + revision);
  }
}
