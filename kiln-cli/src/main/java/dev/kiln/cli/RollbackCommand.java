package dev.kiln.cli;

import dev.kiln.api.RevisionView;
import dev.kiln.api.RollbackRequest;
import dev.kiln.api.RollbackResponse;
import dev.kiln.api.RolloutView;
import dev.kiln.model.KilnException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln rollback SERVICE [--to N]}. A rollback never rewinds history: the server records a
 * new revision equal to the old one and rolls it out (or swaps back to old instances still
 * running).
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "rollback",
    description = {
      "Roll a service back to an earlier revision (default: the previous one).",
      "Kiln records a new revision equal to it and rolls that out, following it like `kiln apply`."
    })
public final class RollbackCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to roll back.")
  String service;

  @Option(
      names = "--to",
      paramLabel = "REVISION",
      description = "The revision to return to (see `kiln history SERVICE`).")
  Optional<Integer> to = Optional.empty();

  @Option(
      names = "--detach",
      description = "Return once the rollback has started; do not follow it.")
  boolean detach;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "15m",
      converter = ApplyCommand.DurationConverter.class,
      description = "Stop following after this long (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--poll-interval",
      hidden = true,
      defaultValue = "500ms",
      converter = ApplyCommand.DurationConverter.class)
  Duration pollInterval;

  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient api = ApiClient.fromEnvironment();
    // the server's name for it: staging--web with --env staging
    String service = env.qualify(this.service);
    RollbackRequest body = new RollbackRequest(to.orElse(null));
    RollbackResponse result =
        ApiClient.read(
            api.post(ApiClient.path("/v1/services", service, "rollback"), ApiClient.tree(body)),
            RollbackResponse.class);
    RevisionView revision = result.revision();
    RolloutView rollout = result.rollout();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        service
            + ": rollback recorded as revision "
            + revision.number()
            + " (image "
            + ApiRender.shortDigest(revision.image())
            + "), by "
            + ApiRender.text(result.mode()));
    out.flush();
    if (rollout == null) return 0;
    if (detach) {
      out.println("started " + ProgressRender.line(rollout, Optional.empty()));
      out.flush();
      return 0;
    }
    List<RolloutView> last =
        new ApplyCommand.RolloutFollower(api, out, ApiRender.interactive(), pollInterval)
            .follow(List.of(rollout), timeout);
    RolloutView end = last.getFirst();
    if (ProgressRender.aborted(end)) {
      throw new KilnException(
          "rollback of "
              + service
              + " ("
              + ProgressRender.fromTo(end)
              + ") was aborted: "
              + ProgressRender.message(end, "no reason given"));
    }
    out.println("rollback of " + service + " (" + ProgressRender.fromTo(end) + ") done");
    out.flush();
    return 0;
  }
}
