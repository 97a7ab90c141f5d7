package dev.kiln.cli;

import dev.kiln.api.ExecRequest;
import dev.kiln.api.ExecResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln exec INSTANCE -- CMD…}: break-glass debugging that keeps instances immutable. */
@Command(
    mixinStandardHelpOptions = true,
    name = "exec",
    description = {
      "Run a command inside a running instance, for debugging.",
      "The instance leaves the route before the command starts, is journaled as tainted with you as",
      "the actor, and is replaced by a new instance of the same revision when the command ends."
    })
public final class ExecCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "INSTANCE",
      description = "The instance id (kiln status SERVICE).")
  String instance;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "CMD",
      description = "The command and its arguments, after --.")
  List<String> command = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ApiClient api = ApiClient.fromEnvironment();
    ExecResponse r =
        ApiClient.read(
            api.post(
                ApiClient.path("/v1/instances", instance, "exec"),
                ApiClient.tree(new ExecRequest(command))),
            ExecResponse.class);
    PrintWriter out = spec.commandLine().getOut();
    out.print(r.output() == null ? "" : r.output());
    out.flush();
    spec.commandLine()
        .getErr()
        .println("kiln: instance " + instance + " is tainted and is being replaced");
    return r.exitCode();
  }
}
