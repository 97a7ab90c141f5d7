package dev.kiln.router;

import java.util.Set;

/**
 * How a service's requests are split across its backends, and how a tester forces a revision.
 *
 * <p>{@link Mode#PER_REQUEST} picks a backend by weight for every request. {@link Mode#STICKY}
 * first picks a <em>revision</em> from a stable hash of the {@code stickyCookie} (summing the
 * weights of the revision's backends), so a user stays on the canary or on the stable fleet for as
 * long as the split does not change; a client without the cookie gets one set on its first
 * response.
 *
 * <p>Overrides: a request carrying {@code overrideHeader: <revision>} (default {@code
 * X-Kiln-Revision}) or the cookie {@code overrideCookie=<revision>} goes to that revision, even one
 * whose weight is 0 (a preview fleet). If {@code overridableRevisions} is non-empty only those
 * revisions may be forced. An empty header or cookie name switches that override off.
 */
public record Split(
    Mode mode,
    String stickyCookie,
    String overrideHeader,
    String overrideCookie,
    Set<String> overridableRevisions) {

  public enum Mode {
    PER_REQUEST,
    STICKY
  }

  public static final String DEFAULT_STICKY_COOKIE = "kiln-sticky";
  public static final String DEFAULT_OVERRIDE_HEADER = "X-Kiln-Revision";
  public static final String DEFAULT_OVERRIDE_COOKIE = "kiln-revision";

  public Split {
    if (mode == null) throw new RouterException("split mode must be set");
    if (stickyCookie == null || stickyCookie.isBlank()) {
      throw new RouterException("split: sticky cookie name must not be blank");
    }
    if (overrideHeader == null || overrideCookie == null) {
      throw new RouterException("split: override names must not be null (use \"\" to disable)");
    }
    overridableRevisions = Set.copyOf(overridableRevisions);
  }

  /**
   * Weighted per request, with the default override header and cookie, any revision overridable.
   */
  public static Split perRequest() {
    return new Split(
        Mode.PER_REQUEST,
        DEFAULT_STICKY_COOKIE,
        DEFAULT_OVERRIDE_HEADER,
        DEFAULT_OVERRIDE_COOKIE,
        Set.of());
  }

  /** Sticky by the {@code kiln-sticky} cookie, with the default overrides. */
  public static Split sticky() {
    return new Split(
        Mode.STICKY,
        DEFAULT_STICKY_COOKIE,
        DEFAULT_OVERRIDE_HEADER,
        DEFAULT_OVERRIDE_COOKIE,
        Set.of());
  }

  public Split withStickyCookie(String name) {
    return new Split(mode, name, overrideHeader, overrideCookie, overridableRevisions);
  }

  public Split withOverrides(String header, String cookie, Set<String> allowedRevisions) {
    return new Split(mode, stickyCookie, header, cookie, allowedRevisions);
  }

  boolean mayOverrideTo(String revision) {
    return overridableRevisions.isEmpty() || overridableRevisions.contains(revision);
  }
}
