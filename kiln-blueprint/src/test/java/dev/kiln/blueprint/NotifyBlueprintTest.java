package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Notify;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The top-level {@code notify:} webhooks and the {@code secrets:} they sign with. */
class NotifyBlueprintTest {
  private static Blueprint parse(String text) {
    return BlueprintParser.parse(Path.of("kiln.yaml"), text);
  }

  private static String problems(String text) {
    return catchThrowableOfType(BlueprintException.class, () -> parse(text)).getMessage();
  }

  @Test
  void theIssuesExample_readsAsWritten() {
    Blueprint b =
        parse(
            """
            secrets: [ HOOK_KEY ]
            notify: { webhook: "https://hooks.example.org/kiln", events: [ rollout-*, instance-drifted ], secret: HOOK_KEY }
            """);
    assertThat(b.webhooks())
        .containsExactly(
            new Notify(
                URI.create("https://hooks.example.org/kiln"),
                List.of("rollout-*", "instance-drifted"),
                "HOOK_KEY"));
    Notify n = b.webhooks().get(0);
    assertThat(n.wants("rollout-succeeded")).isTrue();
    assertThat(n.wants("instance-drifted")).isTrue();
    assertThat(n.wants("instance-starting")).isFalse();
  }

  @Test
  void aListOfWebhooks_andNoneWhenAbsent() {
    Blueprint b =
        parse(
            """
            secrets: [ A, B ]
            notify:
              - { webhook: "http://127.0.0.1:9000/a", events: [ "*" ], secret: A }
              - { webhook: "https://chat.example.org/b", events: [ policy-exception ], secret: B }
            """);
    assertThat(b.webhooks()).extracting(Notify::secret).containsExactly("A", "B");
    // "*" never reaches the notifier's own outcomes
    assertThat(b.webhooks().get(0).wants("notify-failed")).isFalse();
    assertThat(parse("images: { app: { from: scratch } }\n").webhooks()).isEmpty();
  }

  @Test
  void everyMistakeIsLocated_andTheFileIsRefusedWhole() {
    String message =
        problems(
            """
            secrets: [ HOOK_KEY, HOOK_KEY ]
            notify:
              - { webhook: "ftp://example.org/x", events: [ rollout-* ], secret: HOOK_KEY }
              - { webhook: "https://example.org/x", events: [ rollout-succeded ], secret: HOOK_KEY }
              - { webhook: "https://example.org/x", events: [ deploy-* ], secret: HOOK_KEY }
              - { webhook: "https://example.org/x", events: [ rollout-* ], secret: OTHER }
              - { webhook: "https://example.org/x", events: [ notify-failed ], secret: HOOK_KEY }
              - { webhook: "https://user:pw@example.org/x", events: [ rollout-* ], secret: HOOK_KEY }
              - { webhook: "https://example.org/x", secret: HOOK_KEY }
            """);
    assertThat(message)
        .contains("kiln.yaml:1:22: secrets[1]: duplicate secret 'HOOK_KEY'")
        .contains("kiln.yaml:3:16: notify[0].webhook: 'ftp://example.org/x' is not an http(s) URL")
        .contains(
            "kiln.yaml:4:51: notify[1].events[0]: unknown journal kind 'rollout-succeded'; did"
                + " you mean 'rollout-succeeded'?")
        .contains("kiln.yaml:5:51: notify[2].events[0]: 'deploy-*' matches no journal kind")
        .contains("kiln.yaml:6:72: notify[3].secret: secret 'OTHER' is not declared")
        .contains("secrets: [ OTHER ]")
        .contains("kiln.yaml:7:51: notify[4].events[0]: 'notify-failed' is not delivered")
        .contains(
            "kiln.yaml:8:16: notify[5].webhook: 'https://user:pw@example.org/x' carries credentials")
        .contains("kiln.yaml:9:5: notify[6]: missing required key 'events'");
  }

  @Test
  void unknownKeys_areNamedWithTheValidOnes() {
    assertThat(
            problems(
                "secrets: [ K ]\nnotify: { url: \"https://x.org\", events: [ rollout-* ], secret: K }\n"))
        .contains("notify: unknown key 'url'")
        .contains("webhook, events, secret")
        .contains("notify: missing required key 'webhook'");
  }
}
