package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebGateTest {
  @TempDir Path tmp;
  private WebGate gate;
  private String bearer;
  private UiSessions.Session session;

  @BeforeEach
  void setUp() throws Exception {
    ApiToken token = ApiToken.load(tmp.resolve("api-token"));
    bearer = "Bearer " + Files.readString(tmp.resolve("api-token")).strip();
    UiSessions sessions =
        new UiSessions(tmp.resolve("ui-sessions.json"), new UiSessionsTest.Hands());
    session = sessions.trade(sessions.mint("uid:0(root)").value()).orElseThrow();
    gate = new WebGate(token, Optional.of(sessions), "wants the token");
  }

  private WebGate.Access decide(String method, String path, String... headers) {
    Map<String, String> h = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
    return gate.decide(method, path, h);
  }

  private String cookie() {
    return "kiln_session=" + session.id();
  }

  @Test
  void theBearerTokenOpensEverything_aWrongOneNothing() {
    assertThat(decide("POST", "/v1/apply", "authorization", bearer))
        .isInstanceOf(WebGate.Access.Granted.class);
    assertThat(decide("GET", "/v1/services", "authorization", "Bearer nope", "cookie", cookie()))
        .isEqualTo(new WebGate.Access.Denied(401, "wants the token"));
  }

  @Test
  void thePageAndItsLoginArePublic_nothingElseIs() {
    assertThat(decide("GET", "/ui/")).isEqualTo(new WebGate.Access.Granted(WebGate.ANONYMOUS));
    assertThat(decide("GET", "/ui/login")).isEqualTo(new WebGate.Access.Granted(WebGate.ANONYMOUS));
    assertThat(decide("POST", "/ui/login")).isInstanceOf(WebGate.Access.Denied.class);
    assertThat(decide("GET", "/v1/services"))
        .isEqualTo(new WebGate.Access.Denied(401, "wants the token"));
    assertThat(decide("GET", "/uix")).isInstanceOf(WebGate.Access.Denied.class);
  }

  @Test
  void theCookieReadsWhatThePageShows_asTheSessionsPrincipal() {
    for (String p :
        new String[] {
          "/v1/events", "/v1/ui/session", "/v1/services", "/v1/services/web",
          "/v1/services/web/metrics", "/v1/services/web/revisions", "/v1/journal", "/v1/rollouts"
        })
      assertThat(decide("GET", p, "cookie", cookie()))
          .as(p)
          .isEqualTo(new WebGate.Access.Granted(session.principal()));
  }

  @Test
  void theCookieOpensNothingElse() {
    for (String p : new String[] {"/v1/audit/export", "/metrics", "/v1/instances", "/v1/drift"})
      assertThat(decide("GET", p, "cookie", cookie()))
          .as(p)
          .isInstanceOf(WebGate.Access.Denied.class);
    for (String p :
        new String[] {"/v1/apply", "/v1/ui/codes", "/v1/instances/x/exec", "/v1/snapshots"})
      assertThat(decide("POST", p, "cookie", cookie(), "x-kiln-csrf", session.csrf()))
          .as(p)
          .matches(a -> a instanceof WebGate.Access.Denied d && d.status() == 403);
  }

  @Test
  void anActionWithTheCookieNeedsTheCsrfToken() {
    assertThat(decide("POST", "/v1/services/web/promote", "cookie", cookie()))
        .matches(a -> a instanceof WebGate.Access.Denied d && d.status() == 403);
    assertThat(decide("POST", "/v1/services/web/promote", "cookie", cookie(), "x-kiln-csrf", "x"))
        .matches(a -> a instanceof WebGate.Access.Denied d && d.status() == 403);
    assertThat(
            decide(
                "POST",
                "/v1/services/web/rollback",
                "cookie",
                cookie(),
                "x-kiln-csrf",
                session.csrf()))
        .isEqualTo(new WebGate.Access.Granted(session.principal()));
  }

  @Test
  void anUnknownCookieIsNoOne() {
    assertThat(decide("GET", "/v1/services", "cookie", "kiln_session=forged"))
        .isEqualTo(new WebGate.Access.Denied(401, "wants the token"));
  }
}
