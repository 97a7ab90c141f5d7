package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reading the fields of an event body, for the area codecs behind {@link EventCodec}: a required
 * field that is absent or null is an {@link IllegalArgumentException} naming it, which {@link
 * EventCodec#decode(String, String, JsonNode)} turns into a located {@link ServerException}.
 */
final class EventFields {
  private EventFields() {}

  static JsonNode field(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull())
      throw new IllegalArgumentException("field '" + name + "' is missing");
    return v;
  }

  static String text(JsonNode n, String name) {
    return field(n, name).asText();
  }

  static Digest digest(JsonNode n, String name) {
    return Digest.parse(text(n, name));
  }

  static Optional<Long> optLong(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asLong());
  }

  static Optional<String> opt(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
  }

  static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asText()));
    return out;
  }
}
