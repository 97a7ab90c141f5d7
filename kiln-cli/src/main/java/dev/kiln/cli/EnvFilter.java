package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code GET /v1/services} narrowed to one environment's services (all without --env). */
final class EnvFilter {
  private EnvFilter() {}

  static JsonNode services(JsonNode answer, EnvOption env) {
    if (env.env.isEmpty()) return answer;
    ObjectNode out = ApiClient.object();
    ArrayNode services = out.putArray("services");
    answer
        .path("services")
        .forEach(
            s -> {
              if (env.contains(s.path("name").asText())) services.add(s);
            });
    return out;
  }
}
