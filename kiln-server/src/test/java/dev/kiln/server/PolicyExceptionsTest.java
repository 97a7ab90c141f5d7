package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The bodies of {@code POST /v1/policy/exceptions} and {@code POST /v1/patches}. */
class PolicyExceptionsTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-06-01T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void aDateHoldsThroughThatDay_anInstantAsWritten() {
    var e =
        PolicyExceptions.parse(
            Json.parse(
                "{\"advisory\": \"DSA-5532-1\", \"until\": \"2026-06-30\", \"reason\": \"r\"}"),
            CLOCK);
    assertThat(e.until()).isEqualTo(Instant.parse("2026-07-01T00:00:00Z"));
    assertThat(e.kind()).isEqualTo("policy-exception");
    assertThat(e.subject()).isEqualTo("DSA-5532-1");
    var i =
        PolicyExceptions.parse(
            Json.parse(
                "{\"advisory\": \"CVE-2023-5678\", \"until\": \"2026-06-01T12:00:00Z\","
                    + " \"reason\": \"r\"}"),
            CLOCK);
    assertThat(i.until()).isEqualTo(Instant.parse("2026-06-01T12:00:00Z"));
  }

  @Test
  void badBodiesAreNamedErrors() {
    assertThatThrownBy(
            () ->
                PolicyExceptions.parse(
                    Json.parse("{\"advisory\": \"DSA-1\", \"until\": \"2026-06-30\"}"), CLOCK))
        .hasMessageContaining("reason: a non-empty string is required");
    assertThatThrownBy(
            () ->
                PolicyExceptions.parse(
                    Json.parse(
                        "{\"advisory\": \"DSA-1\", \"until\": \"next week\", \"reason\": \"r\"}"),
                    CLOCK))
        .hasMessageContaining("until: 'next week' is not a date");
    assertThatThrownBy(
            () ->
                PolicyExceptions.parse(
                    Json.parse(
                        "{\"advisory\": \"DSA-1\", \"until\": \"2026-05-31\", \"reason\": \"r\"}"),
                    CLOCK))
        .hasMessageContaining("already past");
    assertThatThrownBy(
            () ->
                PolicyExceptions.parse(
                    Json.parse(
                        "{\"advisory\": \"../x\", \"until\": \"2026-07-31\", \"reason\": \"r\"}"),
                    CLOCK))
        .hasMessageContaining("is not an advisory id");
    // read as PolicyExceptionRequest: a number where text is due is not coerced
    assertThatThrownBy(
            () ->
                PolicyExceptions.parse(
                    Json.parse("{\"advisory\": 5, \"until\": \"2026-07-31\", \"reason\": \"r\"}"),
                    CLOCK))
        .isInstanceOf(ServerException.class)
        .hasMessage("advisory: a non-empty string is required");
  }

  @Test
  void patchesNeedAnAppliedServiceAndAdvisories() {
    ServerState state = new ServerState();
    String d = "sha256:" + "a".repeat(64);
    assertThatThrownBy(
            () ->
                Patches.parse(
                    Json.parse(
                        "{\"feed\": \""
                            + d
                            + "\", \"patches\": [{\"service\": \"web\", \"image\": \"site\","
                            + " \"from\": \""
                            + d
                            + "\", \"to\": \""
                            + d
                            + "\", \"advisories\": [\"DSA-1\"]}]}"),
                    state))
        .isInstanceOf(ServerException.NotFound.class)
        .hasMessageContaining("patches[0].service: no service web");
    assertThatThrownBy(() -> Patches.parse(Json.parse("{\"feed\": \"" + d + "\"}"), state))
        .hasMessageContaining("\"patches\" must be a non-empty array");
    assertThatThrownBy(
            () -> Patches.parse(Json.parse("{\"feed\": \"nope\", \"patches\": []}"), state))
        .hasMessageContaining("feed: not a sha256 digest");
    // read as PatchesRequest: a field of the wrong shape is named as the tree reader named it
    String feed = "{\"feed\": \"" + d + "\", \"patches\": ";
    assertThatThrownBy(() -> Patches.parse(Json.parse(feed + "[{\"service\": 5}]}"), state))
        .isInstanceOf(ServerException.class)
        .hasMessage("patches[0].service: a non-empty string is required");
    assertThatThrownBy(
            () ->
                Patches.parse(
                    Json.parse(feed + "[{\"service\": \"web\", \"advisories\": [7]}]}"), state))
        .hasMessage("patches[0].advisories: ids are non-empty strings");
    assertThatThrownBy(() -> Patches.parse(Json.parse(feed + "{}}"), state))
        .hasMessageContaining("\"patches\" must be a non-empty array");
  }
}
