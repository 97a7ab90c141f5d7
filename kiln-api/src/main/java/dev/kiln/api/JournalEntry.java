package dev.kiln.api;

/**
 * One journal entry as the API shows it; {@code body} is the event's JSON (or its text when an old
 * body is not JSON), so it is any JSON value.
 */
public record JournalEntry(
    long seq,
    String time,
    String actor,
    String kind,
    String subject,
    String cause,
    Object body,
    String hash,
    String prevHash) {}
