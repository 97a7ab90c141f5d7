package dev.kiln.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A request body read as its kiln-api record (issue 8). Fields the record does not have are
 * ignored, as the JSON-tree readers did; a field of the wrong shape (a number where text is due, a
 * text where a list is) is a 400 whose message the caller words, naming the field, as its
 * hand-written check did. What a field's value must satisfy beyond its type stays with the caller.
 */
final class RequestBodies {
  private static final ObjectMapper READ = strict();

  private RequestBodies() {}

  /** A request's JSON; no body at all reads as {@code {}}, every field left out. */
  /**
   * A query parameter that must be a whole number from 0 up, if it is there: anything else is an
   * {@link IllegalArgumentException} (a 400) naming it and saying what it counts.
   */
  static java.util.Optional<Long> count(
      java.util.Map<String, String> query, String name, String what) {
    String v = query.get(name);
    if (v == null) return java.util.Optional.empty();
    try {
      long n = Long.parseLong(v);
      if (n >= 0) return java.util.Optional.of(n);
    } catch (NumberFormatException e) {
      // refused below, in the caller's words
    }
    throw new IllegalArgumentException(
        name + "=" + v + ": must be a whole number from 0 up (" + what + ")");
  }

  static JsonNode json(ApiRequest ex) {
    byte[] bytes = ex.body();
    if (bytes.length == 0) return Json.object();
    return Json.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * {@code body} as a {@code type}; {@code wrong} words the error for a field (its JSON path, like
   * {@code command[1]}) whose value is not of the record's type.
   */
  static <T> T read(JsonNode body, Class<T> type, Function<String, String> wrong) {
    if (!body.isObject())
      throw new ServerException(
          "the request body must be a JSON object, was: " + body.getNodeType());
    try {
      return READ.treeToValue(body, type);
    } catch (MismatchedInputException e) {
      throw new ServerException(wrong.apply(path(e)), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      // a record's own constructor refused (a null list): name the field when Jackson knows it
      String at = e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? path(m) : "";
      throw new ServerException(wrong.apply(at.isEmpty() ? type.getSimpleName() : at), e);
    }
  }

  /**
   * Builds the readers of {@code types} now: Jackson introspects a record on its first read (tens
   * of ms on a loaded host, measured 24-138 ms), which would otherwise land on the first request of
   * that kind.
   */
  static void prepare(Class<?>... types) {
    for (Class<?> t : types) READ.readerFor(t); // the reader fetches and caches its deserializer
  }

  private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }

  /**
   * No silent coercion: a number or boolean where text is due is wrong, as it was for the tree
   * readers ({@code isTextual()}); so is a text, fraction or boolean where a whole number is due
   * ({@code "to": "3"} or {@code 2.5} is not read as 3 or 2), and a text or number where a boolean
   * is; nulls in lists are refused rather than kept.
   */
  private static ObjectMapper strict() {
    ObjectMapper m =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
    refuse(m, LogicalType.Textual, CoercionInputShape.Integer);
    refuse(m, LogicalType.Textual, CoercionInputShape.Float);
    refuse(m, LogicalType.Textual, CoercionInputShape.Boolean);
    refuse(m, LogicalType.Integer, CoercionInputShape.String);
    refuse(m, LogicalType.Integer, CoercionInputShape.Float);
    refuse(m, LogicalType.Integer, CoercionInputShape.Boolean);
    refuse(m, LogicalType.Boolean, CoercionInputShape.String);
    refuse(m, LogicalType.Boolean, CoercionInputShape.Integer);
    return m;
  }

  private static void refuse(ObjectMapper m, LogicalType to, CoercionInputShape from) {
    m.coercionConfigFor(to).setCoercion(from, CoercionAction.Fail);
  }
}
