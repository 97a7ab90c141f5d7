package dev.kiln.journal;

import dev.kiln.journal.VerifyReport.Break;
import dev.kiln.journal.VerifyReport.Reason;
import dev.kiln.model.Digest;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recomputes the chain from stored rows and checks signed checkpoints against it. Pure: no
 * database, no clock; the journal reads the rows and hands them over.
 */
final class ChainVerifier {
  private ChainVerifier() {}

  /**
   * @param rows every entry row, ordered by seq
   * @param checkpoints every checkpoint row, ordered by seq
   */
  static VerifyReport verify(
      List<StoredRow> rows, List<StoredCheckpoint> checkpoints, PublicKey key) {
    Optional<Break> broken = chain(rows);
    Map<Long, String> hashAt = new HashMap<>();
    rows.forEach(r -> hashAt.put(r.seq(), r.hash()));
    long last = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).seq();
    for (StoredCheckpoint cp : checkpoints) {
      if (broken.isPresent()) break;
      broken = checkpoint(cp, hashAt, last, key);
    }
    return new VerifyReport(rows.size(), checkpoints.size(), broken);
  }

  private static Optional<Break> chain(List<StoredRow> rows) {
    String prev = Canonical.GENESIS.toString();
    long expected = 1;
    for (StoredRow row : rows) {
      if (row.seq() != expected) {
        return Optional.of(
            new Break(
                expected,
                Reason.MISSING,
                "entry "
                    + expected
                    + " is missing: the journal goes from "
                    + (expected - 1)
                    + " to "
                    + row.seq()));
      }
      if (!row.hash().equals(row.computeHash(row.seq()))) {
        return Optional.of(unmatched(row, rows));
      }
      if (!row.prevHash().equals(prev)) {
        // This entry is intact but does not link to the one before: that one was changed and given
        // a freshly computed hash (or this one's link was edited).
        long culprit = Math.max(1, row.seq() - 1);
        return Optional.of(
            new Break(
                culprit,
                Reason.CHANGED,
                "entry "
                    + culprit
                    + " does not have the hash that entry "
                    + row.seq()
                    + " recorded for it: it was changed"
                    + " and re-hashed after it was written"));
      }
      prev = row.hash();
      expected++;
    }
    return Optional.empty();
  }

  /** An entry whose hash does not match its content: moved from elsewhere, or edited. */
  private static Break unmatched(StoredRow row, List<StoredRow> rows) {
    for (StoredRow other : rows) {
      if (other.seq() != row.seq() && row.hash().equals(row.computeHash(other.seq()))) {
        return new Break(
            row.seq(),
            Reason.REORDERED,
            "the entry stored at seq "
                + row.seq()
                + " was written as entry "
                + other.seq()
                + ": entries were reordered");
      }
    }
    return new Break(
        row.seq(),
        Reason.CHANGED,
        "entry " + row.seq() + " no longer matches its hash: it was changed after it was written");
  }

  private static Optional<Break> checkpoint(
      StoredCheckpoint cp, Map<Long, String> hashAt, long last, PublicKey key) {
    if (!signatureValid(cp, key)) {
      return Optional.of(
          new Break(
              cp.seq(),
              Reason.BAD_CHECKPOINT_SIGNATURE,
              "the checkpoint at seq "
                  + cp.seq()
                  + " does not verify with the host key: it was forged or altered"));
    }
    if (cp.seq() > last) {
      return Optional.of(
          new Break(
              last + 1,
              Reason.TRUNCATED,
              "truncated after checkpoint "
                  + cp.seq()
                  + ": the journal ends at seq "
                  + last
                  + " but a signed checkpoint covers up to "
                  + cp.seq()));
    }
    if (cp.seq() > 0 && !cp.hash().equals(hashAt.get(cp.seq()))) {
      return Optional.of(
          new Break(
              cp.seq(),
              Reason.CHANGED,
              "entry "
                  + cp.seq()
                  + " does not have the hash signed by its checkpoint: the journal up to it was"
                  + " rewritten"));
    }
    return Optional.empty();
  }

  private static boolean signatureValid(StoredCheckpoint cp, PublicKey key) {
    try {
      if (!cp.algorithm().equals("Ed25519")) return false; // never let the row pick a weaker one
      Signature s = Signature.getInstance(cp.algorithm());
      s.initVerify(key);
      s.update(
          Canonical.checkpointMessage(
              cp.seq(), Digest.parse(cp.hash()), Canonical.parseTime(cp.time())));
      return s.verify(Base64.getDecoder().decode(cp.signature()));
    } catch (GeneralSecurityException | RuntimeException mangled) {
      return false;
    }
  }
}
