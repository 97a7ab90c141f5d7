package dev.kiln.journal;

import dev.kiln.model.Digest;
import java.util.Optional;

/**
 * A checkpoint as stored (text columns), in {@code state.db} or in a {@code journal-head} file, so
 * that verification can name a mangled one instead of throwing.
 *
 * @param where how a message names it: "the checkpoint at seq 200" or "journal-head /h/…"
 * @param prev the link of the checkpoint before it; empty for a checkpoint written before
 *     checkpoints were chained (verified alone, by its own signature)
 */
record StoredCheckpoint(
    String where,
    String seq,
    String hash,
    String time,
    String algorithm,
    String signature,
    Optional<String> prev) {

  /** The seq it pins; throws {@link Malformed} if the stored text is not a number. */
  long seqNumber() {
    try {
      return Long.parseLong(seq);
    } catch (NumberFormatException e) {
      throw new Malformed(where + " has a seq that is not a number: '" + seq + "'");
    }
  }

  /** The bytes its signature covers. */
  byte[] message() {
    if (prev.isPresent()) return Canonical.checkpointMessage(seq, hash, time, prev.get());
    try {
      return Canonical.checkpointMessage(
          seqNumber(), Digest.parse(hash), Canonical.parseTime(time));
    } catch (RuntimeException e) {
      throw new Malformed(where + " is not a well-formed checkpoint: " + e.getMessage());
    }
  }

  /** What the next checkpoint must carry as its {@code prev}. */
  String link() {
    return Canonical.checkpointLink(message(), algorithm, signature);
  }

  boolean chained() {
    return prev.isPresent();
  }

  static StoredCheckpoint of(String where, Checkpoint c) {
    return new StoredCheckpoint(
        where,
        Long.toString(c.seq()),
        c.hash().toString(),
        Canonical.time(c.time()),
        c.algorithm(),
        java.util.Base64.getEncoder().encodeToString(c.signature()),
        Optional.of(c.prev().toString()));
  }

  /** A stored value that is not of its form: a located verification failure, never a crash. */
  static final class Malformed extends RuntimeException {
    private final String message;

    Malformed(String message) {
      super(message, null, false, false);
      this.message = message;
    }

    @Override
    public String getMessage() {
      return message; // never null: what is malformed, and where
    }
  }
}
