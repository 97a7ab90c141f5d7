package dev.kiln.controller;

import dev.kiln.model.Digest;

/**
 * Renders a {@link Plan} the way {@code terraform plan} does: one symbol per change ({@code +}
 * create, {@code ~} replace, {@code ±} scale, {@code -} remove), the reason for each replacement
 * field by field, and a summary line. Digests are shortened for reading; the journal keeps them
 * whole.
 */
public final class PlanRenderer {
  private PlanRenderer() {}

  public static String render(Plan plan) {
    StringBuilder out = new StringBuilder();
    if (plan.isEmpty()) {
      return "No changes. The live services match the blueprint.\n";
    }
    out.append("Kiln will perform the following actions:\n\n");
    for (Change change : plan.changes()) {
      switch (change) {
        case Change.Create c ->
            out.append("  + create  ")
                .append(c.service())
                .append(" revision ")
                .append(c.revision().number())
                .append(" (image ")
                .append(shortDigest(c.revision().image().toString()))
                .append(", ")
                .append(replicas(c.replicas()))
                .append(")\n");
        case Change.Replace r -> {
          out.append("  ~ replace ")
              .append(r.service())
              .append(" revision ")
              .append(r.from().number())
              .append(" → ")
              .append(r.to().number())
              .append(" (");
          for (int i = 0; i < r.fields().size(); i++) {
            Change.FieldChange f = r.fields().get(i);
            if (i > 0) out.append(", ");
            out.append(f.field())
                .append(": ")
                .append(shortDigest(f.from()))
                .append(" → ")
                .append(shortDigest(f.to()));
          }
          out.append(")");
          if (r.fromReplicas() != r.toReplicas()) {
            out.append(", replicas ").append(r.fromReplicas()).append(" → ").append(r.toReplicas());
          }
          out.append("\n");
        }
        case Change.Scale s ->
            out.append("  ± scale   ")
                .append(s.service())
                .append(" revision ")
                .append(s.revision().number())
                .append(" ")
                .append(s.from())
                .append(" → ")
                .append(s.to())
                .append("\n");
        case Change.Remove r ->
            out.append("  - remove  ")
                .append(r.service())
                .append(" revision ")
                .append(r.revision().number())
                .append(" (")
                .append(replicas(r.replicas()))
                .append(")\n");
        case Change.NoChange n -> {}
      }
    }
    out.append("\nPlan: ")
        .append(plan.count(Change.Create.class))
        .append(" to create, ")
        .append(plan.count(Change.Replace.class))
        .append(" to replace, ")
        .append(plan.count(Change.Scale.class))
        .append(" to scale, ")
        .append(plan.count(Change.Remove.class))
        .append(" to remove.\n");
    return out.toString();
  }

  private static String replicas(int n) {
    return n + (n == 1 ? " replica" : " replicas");
  }

  /** sha256:abcdef012345… for a digest; any other value unchanged. */
  static String shortDigest(String value) {
    return Digest.isDigest(value) ? "sha256:" + Digest.parse(value).shortHex() + "…" : value;
  }
}
