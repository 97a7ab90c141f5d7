package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the API answers: a status, a content type, the whole body, and the few extra headers some
 * answers need (the dashboard's cookie, a redirect's location, cache and framing policy).
 */
record ApiResponse(int status, String type, byte[] body, Map<String, String> headers)
    implements ApiReply {
  ApiResponse {
    headers = Map.copyOf(headers);
  }

  ApiResponse(int status, String type, byte[] body) {
    this(status, type, body, Map.of());
  }

  static ApiResponse json(int status, JsonNode body) {
    return new ApiResponse(
        status, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  /** A kiln-api record (or any value Jackson writes) as the JSON body. */
  static ApiResponse json(int status, Object body) {
    return json(status, Json.tree(body));
  }

  static ApiResponse error(int status, String message) {
    return json(status, dev.kiln.api.ApiError.of(message));
  }

  ApiResponse withHeader(String name, String value) {
    var h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiResponse(status, type, body, h);
  }
}
