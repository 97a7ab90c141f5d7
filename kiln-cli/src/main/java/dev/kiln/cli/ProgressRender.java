package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rollout progress as text, and the rule for when following a rollout is over. Pure: the apply loop
 * feeds it the API's rollouts and services and prints what it returns.
 */
public final class ProgressRender {
  private ProgressRender() {}

  /** Columns of the live block that {@code kiln apply} redraws on a terminal. */
  static final List<String> HEADERS =
      List.of("SERVICE", "REVISION", "STRATEGY", "PHASE", "STEP", "WEIGHT", "HEALTHY");

  /**
   * Whether the CLI may stop following: the rollout succeeded or was aborted; a blue-green rollout
   * scaling down its old side already serves all traffic from the new one, and its scale-down delay
   * may be minutes long. SUPERSEDED is the CLI's own mark for a rollout a newer one replaced.
   */
  public static boolean done(JsonNode rollout) {
    String phase = rollout.path("phase").asText();
    return phase.equals("SUCCEEDED")
        || phase.equals("SUPERSEDED")
        || phase.equals("ABORTED")
        || (phase.equals("SCALING_DOWN") && rollout.path("strategy").asText().equals("blue-green"));
  }

  public static boolean aborted(JsonNode rollout) {
    return rollout.path("phase").asText().equals("ABORTED");
  }

  /** One row of the live block. */
  public static List<String> cells(JsonNode rollout, Optional<JsonNode> service) {
    int steps = rollout.path("steps").asInt(0);
    JsonNode weight = rollout.path("canaryWeight");
    return List.of(
        ApiRender.text(rollout, "service"),
        fromTo(rollout),
        ApiRender.text(rollout, "strategy"),
        ApiRender.text(rollout, "phase"),
        steps > 0 ? rollout.path("step").asInt() + "/" + steps : "-",
        weight.isNumber() ? weight.asInt() + "%" : "-",
        service.map(ProgressRender::healthy).orElse("-"));
  }

  /** The live block: a table of the followed rollouts. */
  public static String block(List<JsonNode> rollouts, List<JsonNode> services) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode r : rollouts) rows.add(cells(r, find(services, r.path("service").asText())));
    return Tables.render(HEADERS, rows);
  }

  /**
   * One line per observed change, for logs and pipes where a redraw would be garbage: {@code web: 2
   * -> 3 canary PROGRESSING step 1/3, weight 10%, healthy 2/3 (message)}.
   */
  public static String line(JsonNode rollout, Optional<JsonNode> service) {
    List<String> c = cells(rollout, service);
    StringBuilder b =
        new StringBuilder(c.get(0))
            .append(": ")
            .append(c.get(1))
            .append(' ')
            .append(c.get(2))
            .append(' ')
            .append(c.get(3));
    List<String> details = new ArrayList<>();
    if (!c.get(4).equals("-")) details.add("step " + c.get(4));
    if (!c.get(5).equals("-")) details.add("weight " + c.get(5));
    if (!c.get(6).equals("-")) details.add("healthy " + c.get(6));
    if (!details.isEmpty()) b.append(' ').append(String.join(", ", details));
    String message = rollout.path("message").asText("");
    if (!message.isBlank()) b.append(" (").append(message).append(')');
    return b.toString();
  }

  /** {@code 2 -> 3}, or {@code new -> 1} for a service's first revision (from null or 0). */
  public static String fromTo(JsonNode rollout) {
    String from = ApiRender.revision(rollout, "from");
    return (from.equals("-") || from.equals("0") ? "new" : from)
        + " -> "
        + ApiRender.revision(rollout, "to");
  }

  /** The one-line answer to an intent (promote, pause, resume, abort). */
  public static String intent(String verb, String service, JsonNode rollout) {
    return service
        + ": "
        + verb
        + " recorded; rollout "
        + fromTo(rollout)
        + " "
        + ApiRender.text(rollout, "strategy")
        + " is "
        + ApiRender.rolloutCell(rollout);
  }

  static Optional<JsonNode> find(List<JsonNode> services, String name) {
    return services.stream().filter(s -> s.path("name").asText().equals(name)).findFirst();
  }

  private static String healthy(JsonNode service) {
    return service.path("healthy").asInt() + "/" + service.path("replicas").asInt();
  }
}
