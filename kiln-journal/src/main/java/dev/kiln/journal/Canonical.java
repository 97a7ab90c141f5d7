package dev.kiln.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The exact bytes that are hashed and signed. Everything here must stay stable forever: changing a
 * byte makes every existing journal fail verification.
 */
final class Canonical {
  /** The "previous hash" of entry 1. */
  static final Digest GENESIS = new Digest("0".repeat(64));

  // Fixed width so that text order is time order (SQL range queries) and the text round-trips.
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
          .withZone(ZoneOffset.UTC)
          .withResolverStyle(ResolverStyle.STRICT); // 30 February is an error, not 28 February

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Canonical() {}

  static String time(Instant t) {
    return TIME.format(t);
  }

  static Instant parseTime(String text) {
    return Instant.from(TIME.parse(text));
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new JournalException("entry body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** Sorted keys, no whitespace, numbers and strings as Jackson writes them. */
  static String json(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      node.fields().forEachRemaining(fields::add);
      fields.sort(Map.Entry.comparingByKey());
      out.append('{');
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) out.append(',');
        string(fields.get(i).getKey(), out);
        out.append(':');
        write(fields.get(i).getValue(), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      Iterator<JsonNode> items = node.elements();
      for (int i = 0; items.hasNext(); i++) {
        if (i > 0) out.append(',');
        write(items.next(), out);
      }
      out.append(']');
    } else if (node.isTextual()) {
      string(node.textValue(), out);
    } else {
      out.append(node.toString()); // numbers, booleans, null
    }
  }

  static void string(String s, StringBuilder out) {
    out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
  }

  /**
   * The canonical entry: a JSON object with sorted keys whose body is the stored canonical body
   * text, verbatim (so even a whitespace edit of the stored body breaks the hash).
   */
  static String entry(
      long seq, String time, String actor, String kind, String subject, String cause, String body) {
    StringBuilder out = new StringBuilder("{\"actor\":");
    string(actor, out);
    out.append(",\"body\":").append(body).append(",\"cause\":");
    string(cause, out);
    out.append(",\"kind\":");
    string(kind, out);
    out.append(",\"seq\":").append(seq).append(",\"subject\":");
    string(subject, out);
    out.append(",\"time\":");
    string(time, out);
    return out.append('}').toString();
  }

  /** sha256(prevHash + "\n" + canonical entry). */
  static Digest hash(Digest prevHash, String canonicalEntry) {
    return Digest.of((prevHash + "\n" + canonicalEntry).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * What a chained checkpoint's signature covers: the head it pins and the link of the checkpoint
   * before it ({@link #GENESIS} for the first), so that a deleted checkpoint breaks the next one's
   * link. Built from the stored texts verbatim: an edited byte changes the message.
   */
  static byte[] checkpointMessage(String seq, String hash, String time, String prev) {
    StringBuilder out = new StringBuilder("{\"hash\":");
    string(hash, out);
    out.append(",\"prev\":");
    string(prev, out);
    out.append(",\"seq\":").append(seq).append(",\"time\":");
    string(time, out);
    out.append(",\"type\":\"kiln.journal.checkpoint.v2\"}");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A checkpoint's link, which the next checkpoint signs as its {@code prev}: it covers the whole
   * stored checkpoint (message, algorithm and signature), so one verified signature at the head
   * vouches for every checkpoint before it.
   */
  static String checkpointLink(byte[] message, String algorithm, String signature) {
    java.security.MessageDigest sha = Digest.newSha256();
    sha.update(message);
    sha.update(("\n" + algorithm + "\n" + signature).getBytes(StandardCharsets.UTF_8));
    return Digest.ofHash(sha).toString();
  }

  /** What a checkpoint written before checkpoints were chained (no {@code prev}) signs. */
  static byte[] checkpointMessage(long seq, Digest hash, Instant time) {
    StringBuilder out = new StringBuilder("{\"hash\":");
    string(hash.toString(), out);
    out.append(",\"seq\":").append(seq).append(",\"time\":");
    string(time(time), out);
    out.append(",\"type\":\"kiln.journal.checkpoint\"}");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
