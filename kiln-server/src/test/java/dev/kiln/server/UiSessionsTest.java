package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UiSessionsTest {
  @TempDir Path tmp;

  /** A clock the test moves. */
  static final class Hands extends Clock {
    Instant now = Instant.parse("2026-11-30T04:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aCodeBuysOneSession_once() {
    UiSessions s = new UiSessions(tmp.resolve("ui-sessions.json"), new Hands());
    UiSessions.Code code = s.mint("token:abc");
    Optional<UiSessions.Session> session = s.trade(code.value());
    assertThat(session).isPresent();
    assertThat(session.get().principal()).startsWith("token:abc ui-session:");
    assertThat(s.trade(code.value())).as("a code works once").isEmpty();
    assertThat(s.find(session.get().id())).isPresent();
    assertThat(s.trade("made-up")).isEmpty();
  }

  @Test
  void aCodeExpiresAfterItsMinute_andASessionAfterItsHours() {
    Hands clock = new Hands();
    UiSessions s = new UiSessions(tmp.resolve("ui-sessions.json"), clock);
    UiSessions.Code late = s.mint("uid:0(root)");
    clock.now = clock.now.plus(UiSessions.CODE_TTL);
    assertThat(s.trade(late.value())).isEmpty();
    UiSessions.Session session = s.trade(s.mint("uid:0(root)").value()).orElseThrow();
    clock.now = clock.now.plus(UiSessions.SESSION_TTL).minusSeconds(1);
    assertThat(s.find(session.id())).isPresent();
    clock.now = clock.now.plus(Duration.ofSeconds(1));
    assertThat(s.find(session.id())).isEmpty();
  }

  @Test
  void sessionsSurviveARestart_butTheFileHoldsNoUsableCookie() throws Exception {
    Hands clock = new Hands();
    Path file = tmp.resolve("ui-sessions.json");
    UiSessions before = new UiSessions(file, clock);
    UiSessions.Session session = before.trade(before.mint("uid:0(root)").value()).orElseThrow();
    UiSessions after = new UiSessions(file, clock);
    assertThat(after.find(session.id()).map(UiSessions.Session::principal))
        .contains(session.principal());
    assertThat(Files.readString(file)).doesNotContain(session.id());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    after.end(session.id());
    assertThat(new UiSessions(file, clock).find(session.id())).isEmpty();
  }

  @Test
  void theCsrfTokenBelongsToTheSession() {
    UiSessions s = new UiSessions(tmp.resolve("ui-sessions.json"), new Hands());
    var a = s.trade(s.mint("p").value()).orElseThrow();
    var b = s.trade(s.mint("p").value()).orElseThrow();
    assertThat(a.csrf()).hasSize(32).isNotEqualTo(b.csrf()).isNotEqualTo(a.id());
  }

  @Test
  void codesAndSessionsAreBounded() {
    UiSessions s = new UiSessions(tmp.resolve("ui-sessions.json"), new Hands());
    UiSessions.Code first = s.mint("p");
    for (int i = 0; i < UiSessions.MAX_CODES; i++) s.mint("p");
    assertThat(s.trade(first.value())).as("the oldest code went first").isEmpty();
  }

  @Test
  void theCookieIsFoundAmongOthers() {
    assertThat(UiSessions.cookie(Optional.of("a=1; kiln_session=xyz; b=2"))).contains("xyz");
    assertThat(UiSessions.cookie(Optional.of("a=1"))).isEmpty();
    assertThat(UiSessions.cookie(Optional.of("kiln_session="))).isEmpty();
    assertThat(UiSessions.cookie(Optional.empty())).isEmpty();
  }
}
