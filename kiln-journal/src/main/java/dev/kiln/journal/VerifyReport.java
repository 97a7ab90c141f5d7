package dev.kiln.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying a journal: which database and key were used, how much was checked, what
 * is not yet anchored and, if the journal was tampered with, the first place where it breaks.
 *
 * @param database the {@code state.db} that was read
 * @param keyId the id of the public key checkpoints were verified with (16 hex of its sha256)
 * @param head the hash of the last entry, if any
 * @param anchoredSeq the seq pinned by the newest signed checkpoint that an anchor file confirms
 * @param warnings what is not wrong but not proven either (entries after the last checkpoint)
 */
public record VerifyReport(
    Path database,
    String keyId,
    long entries,
    int checkpoints,
    Optional<String> head,
    Optional<Long> anchoredSeq,
    List<String> warnings,
    Optional<Break> firstBreak) {
  public VerifyReport {
    warnings = List.copyOf(warnings);
  }

  public enum Reason {
    /** The entry's content no longer matches its hash, or its hash no longer matches the chain. */
    CHANGED,
    /** A sequence number is absent: the entry was deleted. */
    MISSING,
    /** The entry is an intact entry of this journal, but stored at another sequence number. */
    REORDERED,
    /**
     * Entries that a signed checkpoint, the anchored head or the high-water mark covered are gone.
     */
    TRUNCATED,
    /** A checkpoint's signature does not verify with the host's public key. */
    BAD_CHECKPOINT_SIGNATURE,
    /** A checkpoint that the next checkpoint or the anchored head vouches for is gone. */
    CHECKPOINT_MISSING,
    /** A stored value is not of the form the journal writes (a time, a hash, a JSON body). */
    MALFORMED,
    /** An anchor file ({@code journal-head}) is unreadable or not signed by the key. */
    BAD_ANCHOR
  }

  /** Where the journal breaks: the first bad sequence number and why, in words. */
  public record Break(long seq, Reason reason, String message) {}

  public boolean ok() {
    return firstBreak.isEmpty();
  }

  @Override
  public String toString() {
    String used = " (database " + database + ", key id " + keyId + ")";
    return firstBreak
            .map(
                b ->
                    "journal broken at seq "
                        + b.seq()
                        + " ("
                        + b.reason()
                        + "): "
                        + b.message()
                        + used)
            .orElse(
                "journal ok: "
                    + entries
                    + " entries, "
                    + checkpoints
                    + " signed checkpoint(s)"
                    + anchoredSeq.map(s -> ", anchored at seq " + s).orElse(", not anchored")
                    + used)
        + warnings.stream().map(w -> "\nwarning: " + w).reduce("", String::concat);
  }
}
