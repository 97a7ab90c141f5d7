package dev.kiln.cli;

import dev.kiln.api.RolloutView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln resume SERVICE}: records the intent; the controller acts on it at its next step. */
@Command(
    mixinStandardHelpOptions = true,
    name = "resume",
    description = {"Resume a service's paused rollout."})
public final class ResumeCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "SERVICE",
      description = "The service whose rollout to resume.")
  String service;

  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RolloutView rollout =
        ApiClient.read(
            ApiClient.fromEnvironment()
                .post(ApiClient.path("/v1/services", env.qualify(service), "resume")),
            RolloutView.class);
    PrintWriter out = spec.commandLine().getOut();
    out.println(ProgressRender.intent("resume", env.qualify(service), rollout));
    out.flush();
    return 0;
  }
}
