package dev.kiln.journal;

import java.util.Optional;

/**
 * The outcome of {@link Journal#verify}: how much was checked and, if the journal was tampered
 * with, the first place where it breaks.
 */
public record VerifyReport(long entries, int checkpoints, Optional<Break> firstBreak) {
  public enum Reason {
    /** The entry's content no longer matches its hash, or its hash no longer matches the chain. */
    CHANGED,
    /** A sequence number is absent: the entry was deleted. */
    MISSING,
    /** The entry is an intact entry of this journal, but stored at another sequence number. */
    REORDERED,
    /** Entries that a signed checkpoint covered are gone from the end. */
    TRUNCATED,
    /** A checkpoint's signature does not verify with the host's public key. */
    BAD_CHECKPOINT_SIGNATURE
  }

  /** Where the journal breaks: the first bad sequence number and why, in words. */
  public record Break(long seq, Reason reason, String message) {}

  public boolean ok() {
    return firstBreak.isEmpty();
  }

  @Override
  public String toString() {
    return firstBreak
        .map(b -> "journal broken at seq " + b.seq() + " (" + b.reason() + "): " + b.message())
        .orElse("journal ok: " + entries + " entries, " + checkpoints + " signed checkpoint(s)");
  }
}
