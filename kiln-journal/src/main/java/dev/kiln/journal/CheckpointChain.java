package dev.kiln.journal;

import dev.kiln.journal.VerifyReport.Break;
import dev.kiln.journal.VerifyReport.Reason;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks what pins the verified entries: the checkpoints in {@code state.db} (each links to the one
 * before it, so the newest one's signature vouches for all), the anchored heads outside it, and the
 * high-water mark of seqs ever handed out. Pure: everything is read before and handed in.
 */
final class CheckpointChain {
  private CheckpointChain() {}

  /** One anchor file as read: its head, or why it could not be read. */
  record AnchorRead(
      Path file, boolean witness, Optional<StoredCheckpoint> head, Optional<String> unreadable) {}

  /**
   * @param newest the newest checkpoint in the database, once it verified
   * @param anchorBehind an anchor file holds an older checkpoint than {@code newest}
   */
  record Outcome(
      Optional<Break> broken,
      Optional<Long> anchoredSeq,
      List<String> warnings,
      Optional<StoredCheckpoint> newest,
      boolean anchorBehind) {}

  static Outcome check(
      List<StoredCheckpoint> stored,
      List<AnchorRead> anchors,
      EntryChain entries,
      Optional<Long> highWater,
      PublicKey key) {
    List<String> warnings = new ArrayList<>();
    long last = entries.last();
    Map<String, Long> seqOfLink = new HashMap<>();
    String link = Canonical.GENESIS.toString();
    long pinned = 0;
    StoredCheckpoint newest = null;
    for (StoredCheckpoint cp : stored) {
      long seq;
      try {
        seq = cp.seqNumber();
      } catch (StoredCheckpoint.Malformed m) {
        return broken(new Break(pinned + 1, Reason.MALFORMED, m.getMessage()), warnings);
      }
      if (cp.chained() && !cp.prev().get().equals(link)) {
        return broken(
            new Break(
                seq,
                Reason.CHECKPOINT_MISSING,
                cp.where()
                    + " does not link to the checkpoint before it"
                    + (newest == null ? " (none)" : " (at seq " + pinned + ")")
                    + ": a checkpoint between them was deleted, or one of them was altered"),
            warnings);
      }
      if (!cp.chained() && newest != null && newest.chained()) {
        return broken(
            badSignature(seq, cp, "an unchained checkpoint after chained ones"), warnings);
      }
      // Unchained (older) checkpoints vouch only for themselves: each one's signature is checked.
      if (!cp.chained() && !signatureValid(cp, key)) {
        return broken(badSignature(seq, cp, "it was forged or altered"), warnings);
      }
      try {
        link = cp.link();
      } catch (StoredCheckpoint.Malformed m) {
        return broken(new Break(seq, Reason.MALFORMED, m.getMessage()), warnings);
      }
      seqOfLink.put(link, seq);
      pinned = seq;
      newest = cp;
    }
    // Each chained checkpoint's link covers the one before it, so the newest one's signature
    // vouches for all of them: one signature check, however long the journal.
    if (newest != null && newest.chained() && !signatureValid(newest, key)) {
      return broken(badSignature(pinned, newest, "it was forged or altered"), warnings);
    }
    boolean anyChained = newest != null && newest.chained();
    // The checkpoints are authentic; now, do the entries still have what they pinned?
    for (StoredCheckpoint cp : stored) {
      long seq = cp.seqNumber();
      if (seq > last) {
        return broken(
            new Break(
                last + 1,
                Reason.TRUNCATED,
                "entries after "
                    + last
                    + " are missing: "
                    + cp.where()
                    + " covers entries up to seq "
                    + seq),
            warnings);
      }
      if (seq > 0 && !cp.hash().equals(entries.hashAt(seq).orElse(""))) {
        return broken(
            new Break(
                seq,
                Reason.CHANGED,
                "entry "
                    + seq
                    + " does not have the hash signed by "
                    + cp.where()
                    + ": the journal up to it was rewritten"),
            warnings);
      }
    }

    Optional<Long> anchored = Optional.empty();
    boolean behind = false;
    for (AnchorRead a : anchors) {
      if (a.unreadable().isPresent()) {
        return broken(new Break(pinned + 1, Reason.BAD_ANCHOR, a.unreadable().get()), warnings);
      }
      if (a.head().isEmpty()) {
        if (anyChained && !a.witness()) {
          return broken(
              new Break(
                  pinned + 1,
                  Reason.BAD_ANCHOR,
                  Anchoring.FILE
                      + " "
                      + a.file()
                      + " is missing, but the database has signed checkpoints up to seq "
                      + pinned
                      + ": it was deleted, or this state.db is not the one it anchored"),
              warnings);
        }
        if (last > 0) { // an empty journal has nothing to anchor yet: no news
          warnings.add(
              Anchoring.FILE
                  + " "
                  + a.file()
                  + " does not exist yet: it is written at the next checkpoint");
        }
        continue;
      }
      StoredCheckpoint head = a.head().get();
      long seq;
      try {
        seq = head.seqNumber();
      } catch (StoredCheckpoint.Malformed m) {
        return broken(new Break(pinned + 1, Reason.BAD_ANCHOR, m.getMessage()), warnings);
      }
      if (!signatureValid(head, key)) {
        return broken(
            new Break(
                seq,
                Reason.BAD_ANCHOR,
                head.where() + " is not signed by this key: it was altered or belongs to another"),
            warnings);
      }
      Long found = seqOfLink.get(head.link());
      if (found == null) {
        if (seq > last) {
          return broken(
              new Break(
                  last + 1,
                  Reason.TRUNCATED,
                  "entries after "
                      + last
                      + " are missing; the anchored head is seq "
                      + seq
                      + " ("
                      + a.file()
                      + ")"),
              warnings);
        }
        return broken(
            new Break(
                seq,
                Reason.CHECKPOINT_MISSING,
                "the anchored checkpoint at seq "
                    + seq
                    + " ("
                    + a.file()
                    + ") is not in the database: checkpoints were deleted or altered"
                    + (pinned < seq ? " (the database's last is at seq " + pinned + ")" : "")),
            warnings);
      }
      anchored = Optional.of(Math.max(seq, anchored.orElse(0L)));
      if (!head.link().equals(link)) behind = true;
    }
    if (highWater.isPresent() && highWater.get() > last) {
      return broken(
          new Break(
              last + 1,
              Reason.TRUNCATED,
              "entries after "
                  + last
                  + " are missing: the journal had handed out seqs up to "
                  + highWater.get()),
          warnings);
    }
    if (last > pinned) {
      warnings.add(
          "entries "
              + (pinned + 1)
              + ".."
              + last
              + " ("
              + (last - pinned)
              + ") come after the last signed checkpoint: nothing yet vouches for them, and"
              + " their loss could not be told from their never being written");
    }
    return new Outcome(
        Optional.empty(), anchored, warnings, Optional.ofNullable(newest), behind && anyChained);
  }

  private static Outcome broken(Break b, List<String> warnings) {
    return new Outcome(Optional.of(b), Optional.empty(), warnings, Optional.empty(), false);
  }

  private static Break badSignature(long seq, StoredCheckpoint cp, String why) {
    return new Break(
        seq,
        Reason.BAD_CHECKPOINT_SIGNATURE,
        cp.where() + " does not verify with the host key: " + why);
  }

  static boolean signatureValid(StoredCheckpoint cp, PublicKey key) {
    try {
      if (!cp.algorithm().equals("Ed25519")) return false; // never let the row pick a weaker one
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(cp.message());
      return s.verify(Base64.getDecoder().decode(cp.signature()));
    } catch (GeneralSecurityException | RuntimeException mangled) {
      return false;
    }
  }
}
