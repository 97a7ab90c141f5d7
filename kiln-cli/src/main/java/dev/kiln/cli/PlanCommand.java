package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.PlanView;
import dev.kiln.api.PromotionVerdict;
import dev.kiln.api.ScalerPreview;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln plan}: what {@code kiln apply} would change, and why, without changing anything. */
@Command(
    mixinStandardHelpOptions = true,
    name = "plan",
    description = {
      "Show what `kiln apply` would change, without changing anything.",
      "Compares the blueprint with the live fleet: services to create, replace (and which field",
      "changed), scale or remove."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:no changes (or changes, without --detailed-exitcode)",
      "1:error",
      "2:the plan has changes (with --detailed-exitcode)"
    })
public final class PlanCommand implements Callable<Integer> {
  @Mixin BlueprintOption blueprint;
  @Mixin EnvOption env;
  @Mixin OutputFormat output;
  @Spec CommandSpec spec;

  @Option(
      names = "--detailed-exitcode",
      description = "Exit 2 when the plan has changes, 0 when it has none.")
  boolean detailedExitcode;

  @Option(
      names = "--no-bake",
      description =
          "Plan with the images as they are in the store; by default an image that is missing or whose inputs changed is baked first (the store changes, the fleet does not).")
  boolean noBake;

  @Override
  public Integer call() {
    LocalBlueprint.Prepared prepared =
        LocalBlueprint.prepare(blueprint.file, KilnHome.resolve(), !noBake, false);
    PrintWriter out = spec.commandLine().getOut();
    notes(out, prepared);
    JsonNode plan = ApiClient.fromEnvironment().post(env.endpoint("plan"), prepared.body());
    PlanView typed = ApiClient.read(plan, PlanView.class);
    if (output.json()) out.println(ApiClient.pretty(plan));
    else print(out, typed);
    out.flush();
    return detailedExitcode && typed.hasChanges() ? 2 : 0;
  }

  static void print(PrintWriter out, PlanView plan) {
    String text = PlanRender.text(plan);
    out.print(ApiRender.colour() ? PlanRender.colour(text) : text);
    out.print(scaler(plan.scaler()));
    out.print(gate(plan.promotionGate()));
    out.flush();
  }

  /**
   * {@code kiln plan --env E} of an environment with {@code promotion:}: what the gate of {@code
   * kiln apply --env E} would say of each service whose digest would change (nothing journaled).
   */
  static String gate(@dev.kiln.api.Nullable List<PromotionVerdict> gate) {
    if (gate == null || gate.isEmpty()) return "";
    StringBuilder b = new StringBuilder("\nPromotion gate (kiln apply would be");
    boolean refused = gate.stream().anyMatch(v -> !v.eligible());
    b.append(refused ? " refused):\n" : " allowed):\n");
    for (PromotionVerdict v : gate) b.append(EnvCommand.verdictText(v).indent(2));
    return b.toString();
  }

  /** What the auto-scaler would do now: shown with the plan, never counted as a change. */
  static String scaler(@dev.kiln.api.Nullable List<ScalerPreview> scaler) {
    if (scaler == null || scaler.isEmpty()) return "";
    StringBuilder b = new StringBuilder("\nAuto-scaler now (not a change):\n");
    for (ScalerPreview d : scaler) {
      int from = d.from();
      int to = d.desired();
      b.append("  ")
          .append(d.service())
          .append(": ")
          .append(from == to ? "keep " + to : from + " -> " + to)
          .append(" instance(s), ")
          .append(d.rule())
          .append('\n');
    }
    return b.toString();
  }

  /** What happened to the images before the plan: rebaked (which step changed) or missing. */
  static void notes(PrintWriter out, LocalBlueprint.Prepared prepared) {
    for (LocalBlueprint.ImageNote n : prepared.notes())
      out.println("image " + n.image() + ": " + n.text());
    if (!prepared.notes().isEmpty()) out.println();
    out.flush();
  }
}
