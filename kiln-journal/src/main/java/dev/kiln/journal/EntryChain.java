package dev.kiln.journal;

import dev.kiln.journal.VerifyReport.Break;
import dev.kiln.journal.VerifyReport.Reason;
import dev.kiln.model.Digest;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Recomputes the entries' hash chain one stored row at a time, in seq order, and stops at the first
 * break. Pure: the caller streams the rows (so 100,000 entries need not be in memory at once) and
 * answers one question, {@link MaxSeq}, used only to name a reordering once the chain breaks.
 */
final class EntryChain {
  /** The highest seq stored, to bound the search for where a moved entry came from. */
  interface MaxSeq {
    long get();
  }

  private final MessageDigest sha = Digest.newSha256();
  private final Set<Long> wanted;
  private final long vouchedUpTo;
  private @Nullable StoredRow previous; // none before the first row
  private final Map<Long, String> hashes = new HashMap<>();
  private final MaxSeq maxSeq;
  private String prev = Canonical.GENESIS.toString();
  private long expected = 1;
  private Optional<Break> broken = Optional.empty();

  /**
   * @param wanted seqs whose stored hashes the checkpoints and anchors will ask for
   * @param vouchedUpTo the highest seq a stored checkpoint claims to pin (checked afterwards)
   */
  EntryChain(Set<Long> wanted, long vouchedUpTo, MaxSeq maxSeq) {
    this.wanted = wanted;
    this.vouchedUpTo = vouchedUpTo;
    this.maxSeq = maxSeq;
  }

  /** Checks the next row; false once the chain is broken (the caller may stop reading). */
  boolean accept(StoredRow row) {
    if (broken.isPresent()) return false;
    broken = check(row);
    if (broken.isPresent()) return false;
    if (wanted.contains(row.seq())) hashes.put(row.seq(), row.hash());
    prev = row.hash();
    previous = row;
    expected++;
    return true;
  }

  private Optional<Break> check(StoredRow row) {
    if (row.seq() != expected) {
      return Optional.of(
          new Break(
              expected,
              Reason.MISSING,
              "entry "
                  + expected
                  + " is missing: "
                  + (expected == 1
                      ? "the journal starts"
                      : "after entry " + (expected - 1) + " comes")
                  + " a row with seq "
                  + row.seq()));
    }
    // A row that hashes into the chain up to a signed checkpoint is exactly what the journal
    // wrote, so its form needs no check of its own (that saves a JSON parse per row at start);
    // rows after the last checkpoint, and any row that breaks the chain, are checked.
    if (row.seq() > vouchedUpTo) {
      Optional<String> malformed = row.malformed();
      if (malformed.isPresent()) {
        return Optional.of(new Break(row.seq(), Reason.MALFORMED, malformed.get()));
      }
    }
    if (!row.hash().equals(row.computeHash(row.seq(), sha))) {
      return Optional.of(
          row.malformed()
              .map(m -> new Break(row.seq(), Reason.MALFORMED, m))
              .orElseGet(() -> unmatched(row)));
    }
    if (!row.prevHash().equals(prev)) {
      // This entry is intact but does not link to the one before: that one was changed and given
      // a freshly computed hash (or this one's link was edited and re-hashed).
      long culprit = Math.max(1, row.seq() - 1);
      Optional<String> malformed = previous == null ? Optional.empty() : previous.malformed();
      if (malformed.isPresent()) {
        return Optional.of(new Break(culprit, Reason.MALFORMED, malformed.get()));
      }
      return Optional.of(
          new Break(
              culprit,
              Reason.CHANGED,
              "entry "
                  + culprit
                  + " does not have the hash that entry "
                  + row.seq()
                  + " recorded for it: it was changed and re-hashed after it was written"));
    }
    return Optional.empty();
  }

  /** An entry whose hash does not match its content: moved from elsewhere, or edited. */
  private Break unmatched(StoredRow row) {
    // Once, on the first break: which seq was this intact entry written under? One hash per
    // stored seq; the entry's own hash says which one, if any.
    long max = Math.max(maxSeq.get(), row.seq());
    for (long original = 1; original <= max; original++) {
      if (original != row.seq() && row.hash().equals(row.computeHash(original, sha))) {
        return new Break(
            row.seq(),
            Reason.REORDERED,
            "the entry stored at seq "
                + row.seq()
                + " was written as entry "
                + original
                + ": entries were reordered");
      }
    }
    return new Break(
        row.seq(),
        Reason.CHANGED,
        "entry " + row.seq() + " no longer matches its hash: it was changed after it was written");
  }

  Optional<Break> broken() {
    return broken;
  }

  /** The last seq that verified (0 for none). */
  long last() {
    return expected - 1;
  }

  /** The hash of the last verified entry. */
  Optional<String> head() {
    return expected == 1 ? Optional.empty() : Optional.of(prev);
  }

  /** The stored hash of a verified entry among the wanted seqs. */
  Optional<String> hashAt(long seq) {
    return Optional.ofNullable(hashes.get(seq));
  }
}
