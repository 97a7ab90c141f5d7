package dev.kiln.server;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may do what on the API's TCP listener. A bearer token opens everything, as before. The
 * dashboard's session cookie opens only what the page uses — its own assets, the event stream and
 * the reads and actions it shows — and every request with it that changes something must also carry
 * the session's CSRF token in {@code X-Kiln-CSRF} (a cross-site form cannot set a header, and the
 * SameSite=Strict cookie is the first fence). The page's assets and its login are public: they hold
 * nothing, and the login only trades a code.
 */
final class WebGate {
  /** The decision about one request. */
  sealed interface Access {
    record Granted(String principal) implements Access {}

    record Denied(int status, String message) implements Access {}
  }

  static final String ANONYMOUS = "anonymous";
  static final String CSRF_HEADER = "x-kiln-csrf";
  private static final Pattern PUBLIC = Pattern.compile("/ui(/.*)?");
  private static final Pattern COOKIE_READS =
      Pattern.compile(
          "/v1/(events|ui/session|services|rollouts|journal"
              + "|services/[a-z0-9][a-z0-9-]*(/(revisions|metrics))?)");
  private static final Pattern COOKIE_ACTIONS =
      Pattern.compile(
          "/v1/(ui/logout|services/[a-z0-9][a-z0-9-]*/(promote|pause|resume|abort|rollback))");

  private final ApiToken token;
  private final Optional<UiSessions> sessions;
  private final String unauthorized;

  WebGate(ApiToken token, Optional<UiSessions> sessions, String unauthorized) {
    this.token = token;
    this.sessions = sessions;
    this.unauthorized = unauthorized;
  }

  /** {@code headers} have lower-case names. */
  Access decide(String method, String path, Map<String, String> headers) {
    String auth = headers.get("authorization");
    if (auth != null) {
      return token
          .authenticate(auth)
          .<Access>map(Access.Granted::new)
          .orElseGet(() -> new Access.Denied(401, unauthorized));
    }
    boolean read = method.equals("GET");
    if (read && PUBLIC.matcher(path).matches()) return new Access.Granted(ANONYMOUS);
    Optional<UiSessions.Session> session =
        sessions.flatMap(
            s -> UiSessions.cookie(Optional.ofNullable(headers.get("cookie"))).flatMap(s::find));
    if (session.isEmpty()) return new Access.Denied(401, unauthorized);
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (read && COOKIE_READS.matcher(p).matches())
      return new Access.Granted(session.get().principal());
    if (method.equals("POST") && COOKIE_ACTIONS.matcher(p).matches()) {
      String sent = headers.getOrDefault(CSRF_HEADER, "");
      if (!UiSessions.sameSecret(sent, session.get().csrf()))
        return new Access.Denied(
            403,
            "the dashboard's action needs its CSRF token in X-Kiln-CSRF (from GET /v1/ui/session);"
                + " reload the page");
      return new Access.Granted(session.get().principal());
    }
    return new Access.Denied(
        403,
        "the dashboard's session does not open "
            + method
            + " "
            + p
            + "; use the bearer token (Authorization: Bearer) or the unix socket");
  }
}
