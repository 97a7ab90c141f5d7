package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.PolicyExceptionRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /v1/policy/exceptions}: {@code {"advisory": "DSA-5532-1", "until": "2026-12-31",
 * "reason": "…"}} becomes a {@code policy-exception} entry. {@code until} is a date (the exception
 * holds through that day, UTC) or an instant; it must be in the future, and a reason is required:
 * an exception is a decision on the record.
 */
final class PolicyExceptions {
  private PolicyExceptions() {}

  static JournalEvent.PolicyException parse(JsonNode json, Clock clock) {
    PolicyExceptionRequest body =
        RequestBodies.read(json, PolicyExceptionRequest.class, PolicyExceptions::required);
    String advisory = text(body.advisory(), "advisory");
    if (advisory.length() > 200 || !advisory.matches("[A-Za-z0-9][A-Za-z0-9._:-]*"))
      throw new ServerException(
          "advisory: '" + advisory + "' is not an advisory id (like DSA-5532-1 or CVE-2023-5678)");
    String reason = text(body.reason(), "reason");
    if (reason.length() > 1000) throw new ServerException("reason: at most 1000 characters");
    String text = text(body.until(), "until");
    Instant until;
    try {
      until =
          text.contains("T")
              ? Instant.parse(text)
              : LocalDate.parse(text).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new ServerException(
          "until: '" + text + "' is not a date (2026-12-31) or an instant (2026-12-31T12:00:00Z)");
    }
    if (!until.isAfter(clock.instant()))
      throw new ServerException("until: " + text + " is already past; give a future date");
    return new JournalEvent.PolicyException(advisory, until, reason);
  }

  /** The record reads a field left out as null. */
  private static String text(@Nullable String v, String field) {
    if (v == null || v.isBlank()) throw new ServerException(required(field));
    return v.strip();
  }

  private static String required(String field) {
    return field + ": a non-empty string is required";
  }
}
