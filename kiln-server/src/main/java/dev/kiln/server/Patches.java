package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/patches}: {@code kiln patch} records, before it applies the rebaked images, which
 * advisories each service's new image fixes — so the rollout that follows is on the record as a
 * patch. Body: {@code {"feed": "sha256:…", "patches": [{"service": "web", "image": "site", "from":
 * "sha256:…", "to": "sha256:…", "advisories": ["DSA-5532-1"]}]}}. The whole body is checked before
 * anything is journaled.
 */
final class Patches {
  private Patches() {}

  static List<JournalEvent.PatchStarted> parse(JsonNode body, ServerState state) {
    Digest feed = digest(body, "feed", "feed");
    JsonNode patches = body.path("patches");
    if (!patches.isArray() || patches.isEmpty())
      throw new ServerException("\"patches\" must be a non-empty array of {service, image, ...}");
    List<JournalEvent.PatchStarted> out = new ArrayList<>();
    for (int i = 0; i < patches.size(); i++) {
      JsonNode p = patches.get(i);
      String at = "patches[" + i + "]";
      String service = text(p, "service", at);
      if (state.service(service).isEmpty())
        throw new ServerException.NotFound(
            at + ".service: no service " + service + " is applied (see `kiln status`)");
      List<String> advisories = new ArrayList<>();
      JsonNode ids = p.path("advisories");
      if (!ids.isArray() || ids.isEmpty())
        throw new ServerException(at + ".advisories: must name at least one advisory id");
      for (JsonNode id : ids) {
        if (!id.isTextual() || id.asText().isBlank() || id.asText().length() > 200)
          throw new ServerException(at + ".advisories: ids are non-empty strings");
        advisories.add(id.asText());
      }
      out.add(
          new JournalEvent.PatchStarted(
              service,
              text(p, "image", at),
              digest(p, "from", at + ".from"),
              digest(p, "to", at + ".to"),
              advisories,
              feed));
    }
    return out;
  }

  private static String text(JsonNode n, String field, String at) {
    JsonNode v = n.path(field);
    if (!v.isTextual() || v.asText().isBlank())
      throw new ServerException(at + "." + field + ": a non-empty string is required");
    return v.asText();
  }

  private static Digest digest(JsonNode n, String field, String at) {
    JsonNode v = n.path(field);
    try {
      return Digest.parse(v.asText());
    } catch (RuntimeException e) {
      throw new ServerException(at + ": not a sha256 digest (" + e.getMessage() + ")");
    }
  }
}
