package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** What the API answers: a status, a content type and the whole body. */
record ApiResponse(int status, String type, byte[] body) {
  static ApiResponse json(int status, JsonNode body) {
    return new ApiResponse(
        status, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  static ApiResponse error(int status, String message) {
    return json(status, Json.object().put("error", message));
  }
}
