package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plan for people, like {@code terraform plan}. The server renders the plan's {@code text}; this
 * class only colours it for a terminal, and renders the {@code changes} itself when a server sends
 * no text, so the CLI never prints an empty plan.
 */
public final class PlanRender {
  private static final String GREEN = "\u001b[32m";
  private static final String RED = "\u001b[31m";
  private static final String YELLOW = "\u001b[33m";
  private static final String CYAN = "\u001b[36m";
  private static final String RESET = "\u001b[0m";

  private PlanRender() {}

  /** The text to print for a plan: the server's, or one rendered from its changes. */
  public static String text(JsonNode plan) {
    String text = plan.path("text").asText("");
    return text.isBlank() ? fromChanges(plan) : (text.endsWith("\n") ? text : text + "\n");
  }

  /**
   * Terraform's colours by each line's leading symbol: + create, - remove, ~ (or -/+) replace, ±
   * scale.
   */
  public static String colour(String text) {
    StringBuilder b = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String t = line.stripLeading();
      String c =
          t.startsWith("-/+") || t.startsWith("~")
              ? YELLOW
              : t.startsWith("±") ? CYAN : t.startsWith("+") ? GREEN : t.startsWith("-") ? RED : "";
      b.append(c.isEmpty() ? line : c + line + RESET).append('\n');
    }
    b.setLength(b.length() - 1);
    return b.toString();
  }

  static String fromChanges(JsonNode plan) {
    StringBuilder b = new StringBuilder();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String a : new String[] {"create", "replace", "scale", "remove"}) counts.put(a, 0);
    for (JsonNode c : plan.path("changes")) {
      String action = c.path("action").asText("none");
      String service = c.path("service").asText("?");
      String from = ApiRender.revision(c, "fromRevision");
      String to = ApiRender.revision(c, "toRevision");
      JsonNode replicas = c.path("replicas");
      switch (action) {
        case "create" ->
            b.append("  + create  ")
                .append(service)
                .append(" revision ")
                .append(to)
                .append(replicasText(replicas))
                .append('\n');
        case "replace" -> {
          b.append("  ~ replace ")
              .append(service)
              .append(" revision ")
              .append(from)
              .append(" -> ")
              .append(to)
              .append('\n');
          for (JsonNode f : c.path("fields")) {
            b.append("      ")
                .append(f.path("name").asText())
                .append(": ")
                .append(f.path("from").asText("-"))
                .append(" -> ")
                .append(f.path("to").asText("-"))
                .append('\n');
          }
        }
        case "scale" ->
            b.append("  ± scale   ")
                .append(service)
                .append(" revision ")
                .append(from)
                .append(replicasText(replicas))
                .append('\n');
        case "remove" ->
            b.append("  - remove  ").append(service).append(" revision ").append(from).append('\n');
        default -> {}
      }
      counts.computeIfPresent(action, (k, v) -> v + 1);
    }
    if (!plan.path("hasChanges").asBoolean(b.length() > 0))
      return "No changes. The fleet matches the blueprint.\n";
    b.insert(0, "Kiln will perform the following actions:\n\n");
    b.append('\n')
        .append("Plan: ")
        .append(counts.get("create"))
        .append(" to create, ")
        .append(counts.get("replace"))
        .append(" to replace, ")
        .append(counts.get("scale"))
        .append(" to scale, ")
        .append(counts.get("remove"))
        .append(" to remove.\n");
    return b.toString();
  }

  /**
   * The certificates an apply installed, renewed or removed ({@code certificates[]} of its answer),
   * one line each: {@code certificate renewed for web (expires 2027-01-01T00:00:00Z)}. A
   * certificate is not part of a revision, so the plan alone would say "No changes".
   */
  static String certificates(JsonNode changes) {
    StringBuilder b = new StringBuilder();
    for (JsonNode c : changes) {
      b.append("certificate ")
          .append(c.path("action").asText())
          .append(c.path("action").asText().equals("removed") ? " from " : " for ")
          .append(c.path("service").asText());
      if (c.hasNonNull("notAfter"))
        b.append(" (expires ").append(c.path("notAfter").asText()).append(')');
      b.append('\n');
    }
    return b.toString();
  }

  private static String replicasText(JsonNode replicas) {
    if (!replicas.isObject()) return "";
    JsonNode from = replicas.path("from");
    return from.isNumber() && from.asInt() > 0
        ? " " + from.asInt() + " -> " + replicas.path("to").asInt() + " replicas"
        : " (" + replicas.path("to").asInt() + " replicas)";
  }
}
