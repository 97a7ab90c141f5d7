package dev.kiln.journal;

import java.time.Instant;
import java.util.Optional;

/**
 * Which entries to read: {@code Query.all().subject("service/web").since(t)}. Conditions combine
 * with AND; results come in seq order.
 *
 * @param afterSeq only entries with a larger seq (0 = from the start), for tailing
 */
public record Query(
    long afterSeq, Optional<Instant> since, Optional<String> subject, Optional<String> kind) {
  public static Query all() {
    return new Query(0, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public Query afterSeq(long seq) {
    return new Query(seq, since, subject, kind);
  }

  /** Entries whose time is at or after {@code time}. */
  public Query since(Instant time) {
    return new Query(afterSeq, Optional.of(time), subject, kind);
  }

  public Query subject(String s) {
    return new Query(afterSeq, since, Optional.of(s), kind);
  }

  public Query kind(String k) {
    return new Query(afterSeq, since, subject, Optional.of(k));
  }
}
