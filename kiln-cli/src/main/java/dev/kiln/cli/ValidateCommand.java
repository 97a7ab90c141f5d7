package dev.kiln.cli;

import dev.kiln.blueprint.BlueprintException;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.blueprint.Problem;
import dev.kiln.model.Blueprint;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kiln validate}: parse the blueprint and report every problem, without touching anything.
 */
@Command(
    name = "validate",
    description = {
      "Check the blueprint: unknown keys, wrong types, bad durations, duplicate names, references"
          + " to",
      "unknown images. Prints every problem as file:line:column: message, then exits 1."
    })
public final class ValidateCommand implements Callable<Integer> {
  @Mixin BlueprintOption blueprint;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Blueprint parsed = BlueprintParser.parse(blueprint.file);
      out.printf(
          "%s: ok (%d %s, %d %s)%n",
          blueprint.file,
          parsed.images().size(),
          parsed.images().size() == 1 ? "image" : "images",
          parsed.services().size(),
          parsed.services().size() == 1 ? "service" : "services");
      out.flush();
      return 0;
    } catch (BlueprintException e) {
      for (Problem problem : e.problems()) err.println(problem);
      err.flush();
      return 1;
    }
  }
}
