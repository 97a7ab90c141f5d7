package dev.kiln.server;

import java.util.List;
import java.util.Optional;

/**
 * The {@link JournalEvent} kinds of webhooks: configured, delivered, failed. This interface only
 * groups their records in a file of their own: {@link JournalEvent} extends it so that each stays
 * named {@code JournalEvent.Xxx}, and its {@code permits} list is the family.
 */
interface NotifyEvents {
  /**
   * The blueprint's {@code notify:} webhooks changed (an apply): the complete new set. Each webhook
   * receives the matching entries after its {@code afterSeq}, which a webhook kept unchanged
   * carries over, so a re-apply neither repeats nor skips a delivery.
   */
  record NotifyConfigured(List<Webhook> webhooks) implements JournalEvent {
    public NotifyConfigured {
      webhooks = List.copyOf(webhooks);
    }

    public String kind() {
      return "notify-configured";
    }

    public String subject() {
      return "notify";
    }
  }

  /**
   * One webhook as the notifier knows it.
   *
   * @param id a digest of url, events and secret name: the same webhook across applies
   * @param secret the secret's name (its value is never journaled)
   * @param afterSeq it receives entries with a larger seq
   */
  record Webhook(String id, java.net.URI url, List<String> events, String secret, long afterSeq) {
    public Webhook {
      events = List.copyOf(events);
    }
  }

  /**
   * A journal entry ({@code delivery}, its seq) reached a webhook: the receiver's status and the
   * attempts it took. Only the URL's host is written here.
   */
  record NotifyDelivered(
      String webhook, String host, long delivery, String event, int status, int attempts)
      implements JournalEvent {
    public String kind() {
      return "notify-delivered";
    }

    public String subject() {
      return host;
    }
  }

  /**
   * A delivery failed for good: the last status (none if no answer came), the attempts made and
   * why. The entry is not delivered again.
   */
  record NotifyFailed(
      String webhook,
      String host,
      long delivery,
      String event,
      Optional<Integer> status,
      int attempts,
      String error)
      implements JournalEvent {
    public String kind() {
      return "notify-failed";
    }

    public String subject() {
      return host;
    }
  }
}
