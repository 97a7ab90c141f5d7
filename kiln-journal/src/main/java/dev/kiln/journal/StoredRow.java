package dev.kiln.journal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

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
  /** Exactly what {@link Canonical#time} writes: anything else was not written by the journal. */
  private static final Pattern TIME =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{9}Z");

  /** sha256 over the stored prevHash text and the canonical entry built from the stored columns. */
  String computeHash(long asSeq) {
    return computeHash(asSeq, Digest.newSha256());
  }

  /** The same, with a digest the caller reuses (verifying 100,000 rows at start). */
  String computeHash(long asSeq, MessageDigest sha) {
    // The stored prevHash text, not a parsed Digest: an edited link must fail here, not throw.
    sha.reset();
    sha.update(prevHash.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    String canonical = Canonical.entry(asSeq, time, actor, kind, subject, cause, body);
    sha.update(canonical.getBytes(StandardCharsets.UTF_8));
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  /**
   * What is wrong with the form of this row's values, if anything: the checks that make {@link
   * #toEntry} safe. A row that passes may still have been tampered with; the chain says that.
   */
  Optional<String> malformed() {
    if (time == null || actor == null || kind == null || subject == null || cause == null) {
      return Optional.of("entry " + seq + " has an empty column");
    }
    if (body == null || prevHash == null || hash == null) {
      return Optional.of("entry " + seq + " has an empty column");
    }
    if (!TIME.matcher(time).matches()) {
      return Optional.of(
          "entry " + seq + " has a time that the journal never writes: '" + time + "'");
    }
    try {
      Canonical.parseTime(time);
    } catch (RuntimeException e) {
      return Optional.of("entry " + seq + " has an impossible time: '" + time + "'");
    }
    if (!Digest.isDigest(prevHash)) {
      return Optional.of("entry " + seq + " has a previous-hash that is not a digest");
    }
    if (!Digest.isDigest(hash)) {
      return Optional.of("entry " + seq + " has a hash that is not a digest");
    }
    if (!isJsonObject(body)) {
      return Optional.of("entry " + seq + " has a body that is not a JSON object");
    }
    return Optional.empty();
  }

  /** Streams the body once (no tree): one JSON object and nothing after it. */
  private static boolean isJsonObject(String text) {
    try (JsonParser p = Canonical.JSON.getFactory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return false;
      p.skipChildren();
      return p.nextToken() == null;
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
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
