package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/journal}: entries in sequence order. */
public record JournalResponse(List<JournalEntry> entries) {
  public JournalResponse {
    entries = List.copyOf(entries);
  }
}
