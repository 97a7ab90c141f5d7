package dev.kiln.cli;

import dev.kiln.api.ApplyResponse;
import dev.kiln.api.RolloutView;
import dev.kiln.api.RolloutsResponse;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.model.KilnException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code kiln apply}: the plan, then the rollouts that carry it out, followed to their end. */
@Command(
    mixinStandardHelpOptions = true,
    name = "apply",
    description = {
      "Show the plan, then roll it out.",
      "Starts the rollouts that make the fleet match the blueprint and follows them until they",
      "finish or wait at a gate for `kiln promote` (live on a terminal, one line per change",
      "otherwise); exits 1 if one is aborted.",
      "--detach returns as soon as they have started. Images that are missing or whose inputs",
      "changed are baked first, here where the blueprint's files are (--no-bake refuses instead)."
    })
public final class ApplyCommand implements Callable<Integer> {
  @Mixin BlueprintOption blueprint;
  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Option(
      names = "--detach",
      description = "Return once the rollouts have started; do not follow them.")
  boolean detach;

  @Option(
      names = "--no-bake",
      description =
          "Do not bake: refuse if an image is not baked yet, and say what to bake (by default images that are missing or whose inputs changed are baked first).")
  boolean noBake;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "15m",
      converter = DurationConverter.class,
      description =
          "Stop following after this long, e.g. 90s, 15m, 1h (default: ${DEFAULT-VALUE}). The rollouts go on.")
  Duration timeout;

  @Option(
      names = "--poll-interval",
      hidden = true,
      defaultValue = "500ms",
      converter = DurationConverter.class)
  Duration pollInterval;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient api = ApiClient.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    LocalBlueprint.Prepared prepared =
        LocalBlueprint.prepare(blueprint.file, KilnHome.resolve(), !noBake, noBake);
    PlanCommand.notes(out, prepared);
    ApplyResponse result =
        ApiClient.read(api.post(env.endpoint("apply"), prepared.body()), ApplyResponse.class);
    List<ApplyResponse.CertificateChange> certificates = result.certificates();
    // only a certificate changed: say so instead of "No changes"
    if (certificates.isEmpty() || result.plan().hasChanges()) PlanCommand.print(out, result.plan());
    out.print(PlanRender.certificates(certificates));
    out.flush();
    List<RolloutView> started = result.rollouts();
    if (started.isEmpty()) return 0;
    out.println();
    if (detach) {
      for (RolloutView r : started)
        out.println(
            ProgressRender.done(r)
                ? r.service() + ": scaling to " + r.replicas() + " of revision " + r.to()
                : "started " + ProgressRender.line(r, Optional.empty()));
      out.println("follow them with `kiln status`");
      out.flush();
      return 0;
    }
    // a rollout already over when the apply answers is the service's last one, handed back with
    // the new count of a scale: what is followed then is the scale, and what is reported
    java.util.Set<String> scales =
        started.stream()
            .filter(ProgressRender::done)
            .map(RolloutView::id)
            .collect(java.util.stream.Collectors.toSet());
    List<RolloutView> last =
        new RolloutFollower(api, out, ApiRender.interactive(), pollInterval)
            .follow(started, timeout);
    return report(out, last, scales);
  }

  private static int report(
      PrintWriter out, List<RolloutView> rollouts, java.util.Set<String> scales) {
    List<String> failures = new ArrayList<>();
    for (RolloutView r : rollouts) {
      String what = "rollout of " + r.service() + " (" + ProgressRender.fromTo(r) + ")";
      if (scales.contains(r.id()) && r.phase().equals("SUCCEEDED"))
        out.println(
            r.service()
                + " scaled to "
                + r.replicas()
                + (r.replicas() == 1 ? " instance" : " instances")
                + " of revision "
                + r.to()
                + (r.replicas() > 0 ? ", all healthy" : ""));
      else if (ProgressRender.awaitsUser(r))
        out.println(
            what
                + " waits for `kiln promote "
                + r.service()
                + "` ("
                + ProgressRender.message(r, "at a gate")
                + "); `kiln abort "
                + r.service()
                + "` goes back");
      else if (ProgressRender.aborted(r))
        failures.add(what + " was aborted: " + ProgressRender.message(r, "no reason given"));
      else
        out.println(
            what
                + " "
                + (r.phase().equals("SUPERSEDED") ? "was superseded by a newer one" : "succeeded"));
    }
    out.flush();
    if (!failures.isEmpty()) {
      throw new KilnException(
          String.join("\n", failures) + "\nsee `kiln journal --service <name>` for its steps");
    }
    return 0;
  }

  /** Follows started rollouts through {@code GET /v1/rollouts} until each is done or waits. */
  static final class RolloutFollower {
    private final ApiClient api;
    private final PrintWriter out;
    private final boolean terminal;
    private final Duration poll;

    RolloutFollower(ApiClient api, PrintWriter out, boolean terminal, Duration poll) {
      this.api = api;
      this.out = out;
      this.terminal = terminal;
      this.poll = poll;
    }

    /** Returns the last state of each followed rollout; throws when the timeout passes first. */
    List<RolloutView> follow(List<RolloutView> started, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      Map<String, RolloutView> current = new LinkedHashMap<>();
      for (RolloutView r : started) current.put(r.id(), r);
      Map<String, String> printed = new LinkedHashMap<>();
      int blockLines = 0;
      while (true) {
        List<RolloutView> live =
            ApiClient.read(api.get("/v1/rollouts"), RolloutsResponse.class).rollouts();
        List<ServiceView> services =
            ApiClient.read(api.get("/v1/services"), ServicesResponse.class).services();
        current.replaceAll(
            (id, before) -> ProgressRender.done(before) ? before : latest(id, before, live));
        if (terminal) {
          String block = ProgressRender.block(List.copyOf(current.values()), services);
          // Move the cursor back over the previous block and clear to the end of the screen.
          if (blockLines > 0) out.print("\u001b[" + blockLines + "F\u001b[J");
          out.print(block);
          blockLines = (int) block.lines().count();
        } else {
          for (RolloutView r : current.values()) {
            String line = ProgressRender.line(r, ProgressRender.find(services, r.service()));
            if (!line.equals(printed.put(r.id(), line))) out.println(line);
          }
        }
        out.flush();
        if (current.values().stream()
            .allMatch(
                r ->
                    ProgressRender.settled(r, ProgressRender.find(services, r.service()))
                        || ProgressRender.awaitsUser(r))) return List.copyOf(current.values());
        if (System.nanoTime() - deadline > 0) {
          List<String> pending = new ArrayList<>();
          for (RolloutView r : current.values()) {
            Optional<ServiceView> s = ProgressRender.find(services, r.service());
            if (!ProgressRender.done(r)) pending.add(r.service() + " " + ApiRender.rolloutCell(r));
            else if (!ProgressRender.settled(r, s))
              pending.add(
                  r.service()
                      + " scaling, "
                      + s.map(v -> v.healthy() + "/" + v.replicas()).orElse("-")
                      + " healthy");
          }
          throw new KilnException(
              "stopped following after "
                  + timeout.toString().substring(2).toLowerCase()
                  + ": "
                  + String.join(", ", pending)
                  + " still in progress; they go on in the server (`kiln status`, `kiln promote`, `kiln abort`)");
        }
        Thread.sleep(poll.toMillis());
      }
    }

    /**
     * The rollout's newest state. A service shows only its current rollout, so if another one
     * replaced ours, ours is over: mark it superseded (a phase of the CLI's, never the server's).
     */
    private static RolloutView latest(String id, RolloutView before, List<RolloutView> live) {
      for (RolloutView r : live) if (r.id().equals(id)) return r;
      boolean replaced = live.stream().anyMatch(r -> r.service().equals(before.service()));
      if (!replaced) return before;
      return new RolloutView(
          before.id(),
          before.service(),
          before.from(),
          before.to(),
          before.strategy(),
          "SUPERSEDED",
          before.step(),
          before.steps(),
          before.canaryWeight(),
          before.startedAt(),
          before.deadline(),
          before.conditions(),
          "a newer rollout replaced it",
          before.replicas(),
          before.fastTrack(),
          before.intent());
    }
  }

  /** {@code 500ms}, {@code 90s}, {@code 15m}, {@code 1h30m}, or ISO-8601 ({@code PT15M}). */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      if (value.toUpperCase().startsWith("PT")) return Duration.parse(value);
      Matcher m = PART.matcher(value);
      Duration total = Duration.ZERO;
      int end = 0;
      while (m.find() && m.start() == end) {
        long n = Long.parseLong(m.group(1));
        total =
            total.plus(
                switch (m.group(2)) {
                  case "ms" -> Duration.ofMillis(n);
                  case "s" -> Duration.ofSeconds(n);
                  case "m" -> Duration.ofMinutes(n);
                  default -> Duration.ofHours(n);
                });
        end = m.end();
      }
      if (end == 0 || end != value.length())
        throw new TypeConversionException(
            "'" + value + "' is not a duration; write e.g. 90s, 15m or 1h");
      return total;
    }
  }
}
