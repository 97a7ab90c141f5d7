package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Notify;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an apply journals for the blueprint's {@code notify:}. */
class WebhookConfigTest {
  static final Notify A =
      new Notify(URI.create("https://a.example.org/hook"), List.of("rollout-*"), "A_KEY");
  static final Notify B =
      new Notify(URI.create("https://b.example.org/hook"), List.of("instance-drifted"), "B_KEY");

  @Test
  void aNewWebhook_receivesWhatFollowsTheApply() {
    var configured = WebhookConfig.next(List.of(), List.of(A), 41).orElseThrow();
    assertThat(configured.webhooks())
        .containsExactly(
            new JournalEvent.Webhook(WebhookConfig.id(A), A.webhook(), A.events(), A.secret(), 41));
  }

  @Test
  void theSameSet_isNotJournaledAgain_andAKeptWebhookKeepsItsPlace() {
    var first = WebhookConfig.next(List.of(), List.of(A), 41).orElseThrow().webhooks();
    assertThat(WebhookConfig.next(first, List.of(A), 90)).isEmpty();
    var both = WebhookConfig.next(first, List.of(A, B), 90).orElseThrow().webhooks();
    assertThat(both).extracting(JournalEvent.Webhook::afterSeq).containsExactly(41L, 90L);
  }

  @Test
  void aChangedWebhook_isANewOne_andRemovingAllIsJournaled() {
    var first = WebhookConfig.next(List.of(), List.of(A), 41).orElseThrow().webhooks();
    Notify changed = new Notify(A.webhook(), List.of("rollout-*", "service-*"), A.secret());
    var next = WebhookConfig.next(first, List.of(changed), 90).orElseThrow().webhooks();
    assertThat(next.get(0).id()).isNotEqualTo(first.get(0).id());
    assertThat(next.get(0).afterSeq()).isEqualTo(90);
    assertThat(WebhookConfig.next(first, List.of(), 95).orElseThrow().webhooks()).isEmpty();
    assertThat(WebhookConfig.next(List.of(), List.of(), 95)).isEmpty();
  }
}
