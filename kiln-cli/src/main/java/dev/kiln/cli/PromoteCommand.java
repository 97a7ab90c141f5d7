package dev.kiln.cli;

import dev.kiln.api.RolloutView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln promote SERVICE}: records the intent; the controller acts on it at its next step. */
@Command(
    mixinStandardHelpOptions = true,
    name = "promote",
    description = {
      "Promote a service's rollout to its next step.",
      "A paused canary goes to its next step; a blue-green rollout switches all traffic to the new",
      "revision now."
    })
public final class PromoteCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "SERVICE",
      description = "The service whose rollout to promote.")
  String service;

  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RolloutView rollout =
        ApiClient.read(
            ApiClient.fromEnvironment()
                .post(ApiClient.path("/v1/services", env.qualify(service), "promote")),
            RolloutView.class);
    PrintWriter out = spec.commandLine().getOut();
    out.println(ProgressRender.intent("promote", env.qualify(service), rollout));
    out.flush();
    return 0;
  }
}
