package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.PatchesRequest;
import dev.kiln.model.Digest;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /v1/patches}: {@code kiln patch} records, before it applies the rebaked images, which
 * advisories each service's new image fixes — so the rollout that follows is on the record as a
 * patch. Body: {@code {"feed": "sha256:…", "patches": [{"service": "web", "image": "site", "from":
 * "sha256:…", "to": "sha256:…", "advisories": ["DSA-5532-1"]}]}}. The whole body is checked before
 * anything is journaled.
 */
final class Patches {
  private Patches() {}

  static List<JournalEvent.PatchStarted> parse(JsonNode json, ServerState state) {
    PatchesRequest body = RequestBodies.read(json, PatchesRequest.class, Patches::wrong);
    Digest feed = digest(body.feed(), "feed");
    if (body.patches().isEmpty()) throw new ServerException(wrong("patches"));
    List<JournalEvent.PatchStarted> out = new ArrayList<>();
    for (int i = 0; i < body.patches().size(); i++) {
      PatchesRequest.Patch p = body.patches().get(i);
      String at = "patches[" + i + "]";
      String service = text(p.service(), at + ".service");
      if (state.service(service).isEmpty())
        throw new ServerException.NotFound(
            at + ".service: no service " + service + " is applied (see `kiln status`)");
      if (p.advisories().isEmpty())
        throw new ServerException(at + ".advisories: must name at least one advisory id");
      for (String id : p.advisories()) {
        if (id.isBlank() || id.length() > 200)
          throw new ServerException(wrong(at + ".advisories[]"));
      }
      out.add(
          new JournalEvent.PatchStarted(
              service,
              text(p.image(), at + ".image"),
              digest(p.from(), at + ".from"),
              digest(p.to(), at + ".to"),
              p.advisories(),
              feed));
    }
    return out;
  }

  /** The message for a field whose value is not of the request's type, as the tree reader's. */
  private static String wrong(String field) {
    if (field.equals("patches") || field.equals("PatchesRequest"))
      return "\"patches\" must be a non-empty array of {service, image, ...}";
    if (field.matches("patches\\[\\d+]\\.advisories.*"))
      return field.substring(0, field.indexOf(".advisories"))
          + ".advisories: ids are non-empty strings";
    if (field.equals("feed") || field.endsWith(".from") || field.endsWith(".to"))
      return field + ": not a sha256 digest (a sha256:... text is due)";
    if (field.matches("patches\\[\\d+]"))
      return field + ": must be an object {service, image, from, to, advisories}";
    return field + ": a non-empty string is required";
  }

  private static String text(@Nullable String v, String at) {
    if (v == null || v.isBlank())
      throw new ServerException(at + ": a non-empty string is required");
    return v;
  }

  private static Digest digest(@Nullable String v, String at) {
    try {
      return Digest.parse(v == null ? "" : v);
    } catch (RuntimeException e) {
      throw new ServerException(at + ": not a sha256 digest (" + e.getMessage() + ")");
    }
  }
}
