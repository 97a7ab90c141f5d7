package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's login over a real server: a one-time code minted over the authenticated API, a
 * cookie that opens only the page's requests, CSRF on its actions, and no secret in a log or the
 * journal.
 */
class DashboardLoginIT {
  @TempDir Path tmp;
  private final HttpClient browser =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder at(KilnFixture k, String path) {
    return HttpRequest.newBuilder(URI.create(k.api() + path));
  }

  private JsonNode mint(KilnFixture k) throws Exception {
    return k.json(k.post("/v1/ui/codes", "{}"));
  }

  /** Trades a fresh code; returns the cookie pair {@code kiln_session=...}. */
  private String login(KilnFixture k) throws Exception {
    var r = send(at(k, mint(k).get("path").asText()));
    assertThat(r.statusCode()).isEqualTo(303);
    String set = r.headers().firstValue("Set-Cookie").orElseThrow();
    return set.substring(0, set.indexOf(';'));
  }

  @Test
  void aCodeLogsInOnce_withAnHttpOnlySameSiteStrictCookie() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      JsonNode code = mint(k);
      assertThat(code.get("url").asText())
          .isEqualTo(k.api() + "/ui/login?code=" + code.get("code").asText());
      var first = send(at(k, code.get("path").asText()));
      assertThat(first.statusCode()).isEqualTo(303);
      assertThat(first.headers().firstValue("Location")).contains("/ui/");
      String set = first.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(set)
          .startsWith("kiln_session=")
          .contains("HttpOnly")
          .contains("SameSite=Strict")
          .contains("Path=/");
      var again = send(at(k, code.get("path").asText()));
      assertThat(again.statusCode()).as("a code is single use").isEqualTo(403);
      assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
      assertThat(again.body()).contains("kiln ui");
    }
  }

  @Test
  void theCookieReadsThePage_butActionsNeedTheCsrfToken_andTheRestIsClosed() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      String cookie = login(k);
      var session = send(at(k, "/v1/ui/session").header("Cookie", cookie));
      assertThat(session.statusCode()).isEqualTo(200);
      JsonNode s = Json.parse(session.body());
      String csrf = s.get("csrf").asText();
      assertThat(csrf).hasSize(32);
      assertThat(s.get("principal").asText()).startsWith("token:").contains(" ui-session:");
      assertThat(send(at(k, "/v1/services").header("Cookie", cookie)).statusCode()).isEqualTo(200);

      var noCsrf =
          send(
              at(k, "/v1/services/web/pause")
                  .header("Cookie", cookie)
                  .POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(noCsrf.statusCode()).isEqualTo(403);
      assertThat(noCsrf.body()).contains("X-Kiln-CSRF");
      var wrong =
          send(
              at(k, "/v1/services/web/pause")
                  .header("Cookie", cookie)
                  .header("X-Kiln-CSRF", "0".repeat(32))
                  .POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(wrong.statusCode()).isEqualTo(403);
      // With the token the request reaches the API (no service web here: 404, not a refusal).
      var right =
          send(
              at(k, "/v1/services/web/pause")
                  .header("Cookie", cookie)
                  .header("X-Kiln-CSRF", csrf)
                  .POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(right.statusCode()).isEqualTo(404);

      for (String p : List.of("/v1/apply", "/v1/ui/codes", "/v1/policy/exceptions"))
        assertThat(
                send(at(k, p)
                        .header("Cookie", cookie)
                        .header("X-Kiln-CSRF", csrf)
                        .POST(HttpRequest.BodyPublishers.ofString("{}")))
                    .statusCode())
            .as(p)
            .isEqualTo(403);
      assertThat(send(at(k, "/v1/audit/export").header("Cookie", cookie)).statusCode())
          .isEqualTo(403);
      assertThat(send(at(k, "/v1/services").header("Cookie", "kiln_session=forged")).statusCode())
          .isEqualTo(401);

      var out =
          send(
              at(k, "/v1/ui/logout")
                  .header("Cookie", cookie)
                  .header("X-Kiln-CSRF", csrf)
                  .POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(out.statusCode()).isEqualTo(200);
      assertThat(send(at(k, "/v1/services").header("Cookie", cookie)).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void thePageIsServedFromTheJar_andHoldsNothingWithoutALogin() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      assertThat(send(at(k, "/ui")).headers().firstValue("Location")).contains("/ui/");
      var index = send(at(k, "/ui/"));
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).contains("/ui/app.js");
      assertThat(index.headers().firstValue("Content-Security-Policy"))
          .hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
      var js = send(at(k, "/ui/app.js"));
      assertThat(js.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
      var gz =
          browser.send(
              at(k, "/ui/app.js").header("Accept-Encoding", "gzip").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
      assertThat(gz.body().length).isLessThan(js.body().length());
      assertThat(send(at(k, "/ui/nope.js")).statusCode()).isEqualTo(404);
      // over the unix socket as well
      assertThat(
              ApiSecurityIT.unix(
                  k.cp.apiSocket(), "GET /ui/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
      // without a login the page's first request is refused, and it says how to log in
      assertThat(send(at(k, "/v1/ui/session")).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void noCodeOrCookieInAnyLogOrTheJournal() throws Exception {
    List<String> logged = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(String.valueOf(r.getMessage()) + " " + r.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger root = Logger.getLogger("dev.kiln");
    root.addHandler(capture);
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      JsonNode code = mint(k);
      var r = send(at(k, code.get("path").asText()));
      String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
      String id = cookie.substring("kiln_session=".length(), cookie.indexOf(';'));
      send(at(k, code.get("path").asText())); // the refused reuse
      ByteArrayOutputStream journal = new ByteArrayOutputStream();
      k.cp.rec.journal().exportJsonLines(journal);
      String token = Files.readString(k.home.resolve("api-token")).strip();
      for (String secret : List.of(code.get("code").asText(), id, token)) {
        assertThat(journal.toString(StandardCharsets.UTF_8)).doesNotContain(secret);
        assertThat(logged).noneMatch(l -> l.contains(secret));
        assertThat(Files.readString(k.home.resolve("ui-sessions.json"))).doesNotContain(secret);
      }
      assertThat(logged).anyMatch(l -> l.contains("dashboard: session opened for token:"));
    } finally {
      root.removeHandler(capture);
    }
  }
}
