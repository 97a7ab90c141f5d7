package dev.kiln.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON for digested documents. Documents are built as trees in a fixed field order and written
 * compactly, so the same content always gives the same bytes and therefore the same digest.
 */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pretty(JsonNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JsonNode parse(byte[] content, String what) {
    try {
      return MAPPER.readTree(content);
    } catch (IOException e) {
      throw new ImageException(
          what
              + " is not valid JSON: "
              + e.getMessage()
              + " ("
              + new String(content, 0, Math.min(content.length, 80), StandardCharsets.UTF_8)
              + "…)");
    }
  }
}
