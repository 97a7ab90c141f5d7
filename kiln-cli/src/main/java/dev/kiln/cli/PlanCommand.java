package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.KilnException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
  @Mixin OutputFormat output;
  @Spec CommandSpec spec;

  @Option(
      names = "--detailed-exitcode",
      description = "Exit 2 when the plan has changes, 0 when it has none.")
  boolean detailedExitcode;

  @Override
  public Integer call() {
    JsonNode plan = ApiClient.fromEnvironment().post("/v1/plan", body(blueprint.file));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) out.println(ApiClient.pretty(plan));
    else print(out, plan);
    out.flush();
    return detailedExitcode && plan.path("hasChanges").asBoolean(false) ? 2 : 0;
  }

  static void print(PrintWriter out, JsonNode plan) {
    String text = PlanRender.text(plan);
    out.print(ApiRender.colour() ? PlanRender.colour(text) : text);
    out.flush();
  }

  /**
   * The server reads the blueprint itself (it resolves images and files relative to it), so send an
   * absolute path — after checking here, where the message can name the user's own path.
   */
  static ObjectNode body(Path file) {
    if (!Files.isRegularFile(file))
      throw new KilnException(file + ": no such file; create it, or point to it with -f <file>");
    ObjectNode body = ApiClient.object();
    body.put("file", file.toAbsolutePath().normalize().toString());
    return body;
  }
}
