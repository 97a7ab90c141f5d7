package dev.kiln.journal;

import dev.kiln.model.Digest;
import java.time.Instant;

/**
 * A signed statement "the journal had {@code seq} entries and its head hash was {@code hash}, and
 * the checkpoint before this one had link {@code prev}". It pins everything up to {@code seq}, and
 * through {@code prev} every earlier checkpoint: a later rewrite or truncation of that prefix, or a
 * deleted checkpoint, cannot be hidden without the host key.
 */
public record Checkpoint(
    long seq, Digest hash, Instant time, Digest prev, String algorithm, byte[] signature) {
  public Checkpoint {
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c
        && c.seq == seq
        && c.hash.equals(hash)
        && c.time.equals(time)
        && c.prev.equals(prev)
        && c.algorithm.equals(algorithm)
        && java.util.Arrays.equals(c.signature, signature);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(
        seq, hash, time, prev, algorithm, java.util.Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "Checkpoint[seq=" + seq + ", hash=" + hash + ", time=" + time + ", " + algorithm + "]";
  }
}
