package dev.kiln.cli;

import dev.kiln.api.ApplyResponse;
import dev.kiln.api.ChangeView;
import dev.kiln.api.Nullable;
import dev.kiln.api.PlanView;
import java.util.LinkedHashMap;
import java.util.List;
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
  public static String text(PlanView plan) {
    String text = plan.text() == null ? "" : plan.text();
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

  static String fromChanges(PlanView plan) {
    StringBuilder b = new StringBuilder();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String a : new String[] {"create", "replace", "scale", "remove"}) counts.put(a, 0);
    for (ChangeView c : plan.changes()) {
      String action = c.action() == null ? "none" : c.action();
      String service = c.service() == null ? "?" : c.service();
      String from = ApiRender.number(c.fromRevision());
      String to = ApiRender.number(c.toRevision());
      ChangeView.ReplicaChange replicas = c.replicas();
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
          for (ChangeView.FieldChange f : c.fields()) {
            b.append("      ")
                .append(f.name())
                .append(": ")
                .append(ApiRender.text(f.from()))
                .append(" -> ")
                .append(ApiRender.text(f.to()))
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
    // a server that sent changes but no text: its changes decide
    if (!plan.hasChanges() && b.length() == 0)
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
  static String certificates(List<ApplyResponse.CertificateChange> changes) {
    StringBuilder b = new StringBuilder();
    for (ApplyResponse.CertificateChange c : changes) {
      b.append("certificate ")
          .append(c.action())
          .append("removed".equals(c.action()) ? " from " : " for ")
          .append(c.service());
      String notAfter = c.notAfter();
      if (notAfter != null) b.append(" (expires ").append(notAfter).append(')');
      b.append('\n');
    }
    return b.toString();
  }

  private static String replicasText(@Nullable ChangeView.ReplicaChange replicas) {
    if (replicas == null) return "";
    return replicas.from() > 0
        ? " " + replicas.from() + " -> " + replicas.to() + " replicas"
        : " (" + replicas.to() + " replicas)";
  }
}
