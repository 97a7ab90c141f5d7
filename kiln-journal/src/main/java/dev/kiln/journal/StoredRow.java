package dev.kiln.journal;

import dev.kiln.model.Digest;

/**
 * A journal row exactly as stored, columns as text: verification must cope with rows that someone
 * edited into nonsense (a time that does not parse, a hash that is not a digest) and name them.
 */
record StoredRow(
    long seq,
    String time,
    String actor,
    String kind,
    String subject,
    String cause,
    String body,
    String prevHash,
    String hash) {

  /** sha256 over the stored prevHash text and the canonical entry built from the stored columns. */
  String computeHash(long asSeq) {
    // The stored prevHash text, not a parsed Digest: an edited link must fail here, not throw.
    String canonical = Canonical.entry(asSeq, time, actor, kind, subject, cause, body);
    return Digest.of(
            (prevHash + "\n" + canonical).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  Entry toEntry() {
    return new Entry(
        seq,
        Canonical.parseTime(time),
        actor,
        kind,
        subject,
        cause,
        body,
        Digest.parse(prevHash),
        Digest.parse(hash));
  }
}
