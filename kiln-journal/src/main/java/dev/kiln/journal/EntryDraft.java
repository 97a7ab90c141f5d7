package dev.kiln.journal;

import java.util.Objects;
import java.util.Set;

/**
 * An entry before it is appended: what happened, to what, who did it and why. The journal adds the
 * sequence number, the time (from its clock) and the hashes.
 *
 * @param actor who asked: a user, {@code controller}, {@code health-checker}...
 * @param kind what happened, dotted: {@code blueprint.applied}, {@code rollout.step}...
 * @param subject what it happened to: {@code service/web}, {@code image/sha256:...}
 * @param cause why, in words ("image digest changed", "instance failed 3 health checks")
 * @param body the details, a JSON object; stored in canonical form
 * @param secrets secret values known to the caller; the append is refused if any of them appears in
 *     the entry, because the journal is exported and never rewritten
 */
public record EntryDraft(
    String actor, String kind, String subject, String cause, String body, Set<String> secrets) {
  public EntryDraft {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(body, "body");
    if (actor.isBlank() || kind.isBlank() || subject.isBlank()) {
      throw new IllegalArgumentException("actor, kind and subject must not be blank");
    }
    secrets = Set.copyOf(secrets);
  }

  /** A draft that carries no secret values to guard against. */
  public EntryDraft(String actor, String kind, String subject, String cause, String body) {
    this(actor, kind, subject, cause, body, Set.of());
  }

  /** The same draft, additionally refusing any of {@code values}. */
  public EntryDraft guarding(Set<String> values) {
    java.util.HashSet<String> all = new java.util.HashSet<>(secrets);
    all.addAll(values);
    return new EntryDraft(actor, kind, subject, cause, body, all);
  }

  @Override
  public String toString() { // never print the secrets
    return "EntryDraft["
        + kind
        + " "
        + subject
        + " by "
        + actor
        + ", "
        + secrets.size()
        + " guarded]";
  }
}
