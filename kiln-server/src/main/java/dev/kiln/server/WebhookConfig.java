package dev.kiln.server;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.Notify;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * From a blueprint's {@code notify:} to the journaled webhook set: what an apply records (only when
 * the set changes) and the check that every signing secret has a value before anything is recorded.
 */
final class WebhookConfig {
  private WebhookConfig() {}

  /** The same webhook across applies: a digest of its URL, events and secret name. */
  static String id(Notify n) {
    String text = n.webhook() + "\n" + String.join(",", n.events()) + "\n" + n.secret();
    return Digest.of(text.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 12);
  }

  /**
   * The entry to journal for {@code wanted}, or none when it is the set already configured. A
   * webhook kept from {@code current} keeps its {@code afterSeq}; a new one receives entries after
   * {@code lastSeq} (the apply's own {@code blueprint-applied}).
   */
  static Optional<JournalEvent.NotifyConfigured> next(
      List<JournalEvent.Webhook> current, List<Notify> wanted, long lastSeq) {
    Map<String, JournalEvent.Webhook> kept =
        current.stream().collect(Collectors.toMap(JournalEvent.Webhook::id, Function.identity()));
    List<JournalEvent.Webhook> out = new ArrayList<>();
    for (Notify n : wanted) {
      String id = id(n);
      if (out.stream().anyMatch(w -> w.id().equals(id))) continue; // written twice: one webhook
      JournalEvent.Webhook old = kept.get(id);
      out.add(
          old != null
              ? old
              : new JournalEvent.Webhook(id, n.webhook(), n.events(), n.secret(), lastSeq));
    }
    if (out.equals(current)) return Optional.empty();
    return Optional.of(new JournalEvent.NotifyConfigured(out));
  }

  /**
   * Every webhook's secret must have a value before the apply records anything; the values are
   * registered with the journal's guard, so no entry can carry one.
   *
   * @throws ServerException naming the missing secrets and where to put them
   */
  static void requireSecrets(Blueprint bp, Secrets secrets) {
    List<String> names = bp.webhooks().stream().map(Notify::secret).distinct().toList();
    if (names.isEmpty()) return;
    try {
      secrets.values("notify", names);
    } catch (ServerException e) {
      throw new ServerException(
          "notify: the webhook signing "
              + e.getMessage().substring(e.getMessage().indexOf("secret(s)")),
          e);
    }
  }
}
