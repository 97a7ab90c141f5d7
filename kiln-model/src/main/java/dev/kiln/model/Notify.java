package dev.kiln.model;

import java.net.URI;
import java.util.List;

/**
 * One entry of the blueprint's top-level {@code notify:}: journal entries whose kind matches one of
 * {@code events} are POSTed to {@code webhook}, signed with HMAC-SHA256 under the secret named
 * {@code secret} (its value comes from the server's secret store, never from the blueprint).
 *
 * @param webhook an http or https URL
 * @param events journal kinds ({@link JournalKinds}), each possibly with {@code *} globs
 * @param secret the name of a secret declared in the blueprint's top-level {@code secrets:}
 */
public record Notify(URI webhook, List<String> events, String secret) {
  public Notify {
    events = List.copyOf(events);
  }

  /** Whether an entry of {@code kind} goes to this webhook. */
  public boolean wants(String kind) {
    return JournalKinds.delivers(events, kind);
  }
}
