package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.EnvironmentDiff;
import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.PromoteRequest;
import dev.kiln.api.PromoteResponse;
import dev.kiln.api.PromotionVerdict;
import dev.kiln.api.RolloutView;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln env}: the blueprint's environments, what differs between them, promotions. */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Environments (a blueprint's environments:): list them, diff two, promote between them.",
      "Apply one with `kiln apply --env NAME`; `kiln status|history|plan --env NAME` show one."
    },
    subcommands = {EnvCommand.ListEnvs.class, EnvCommand.Diff.class, EnvCommand.Promote.class})
public final class EnvCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code kiln env list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Each environment: its router, where it promotes from, and per service the"
              + " live revision, image and health there, and the promotion gate's verdict now for"
              + " the revision live in the source (GATE: eligible, eligible at TIME, refused;"
              + " --output json has the reason and evidence).")
  static final class ListEnvs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin OutputFormat output;

    @Override
    public Integer call() {
      JsonNode answer = ApiClient.fromEnvironment().get("/v1/environments");
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) out.println(ApiClient.pretty(answer));
      else out.print(table(ApiClient.read(answer, EnvironmentsResponse.class).environments()));
      out.flush();
      return 0;
    }

    static String table(List<EnvironmentView> envs) {
      if (envs.isEmpty())
        return "no environments yet; apply a blueprint with environments: (`kiln apply --env NAME`)\n";
      List<List<String>> rows = new ArrayList<>();
      for (EnvironmentView e : envs) {
        EnvironmentView.Promotion p = e.promotion();
        String promotion =
            p != null ? "from " + p.from() + ", soak " + ApiRender.duration(p.soak()) : "-";
        for (EnvironmentView.Service s : e.services()) {
          rows.add(
              List.of(
                  ApiRender.text(e.name()),
                  ApiRender.text(e.listening()),
                  promotion,
                  ApiRender.text(s.name()),
                  ApiRender.number(s.liveRevision()),
                  ApiRender.shortDigest(s.image()),
                  s.healthy() + "/" + s.replicas(),
                  gateCell(s.promotionGate())));
        }
      }
      return Tables.render(
          List.of("ENV", "ROUTER", "PROMOTION", "SERVICE", "REVISION", "IMAGE", "HEALTHY", "GATE"),
          rows);
    }
  }

  /** A verdict of the promotion gate, as {@code env promote --dry-run} and {@code plan} show it. */
  static String verdictText(PromotionVerdict v) {
    StringBuilder t = new StringBuilder();
    String head = v.service() + " from " + v.from() + " to " + v.to();
    if (v.eligible()) {
      t.append(head)
          .append(": eligible, revision ")
          .append(v.revision())
          .append(", ")
          .append(v.digest())
          .append('\n');
    } else {
      t.append(head).append(": refused: ").append(v.reason()).append('\n');
    }
    for (String e : v.evidence()) t.append("  ").append(e).append('\n');
    return t.toString();
  }

  /** The GATE column of {@code env list}: eligible, or refused and when it will be eligible. */
  static String gateCell(@dev.kiln.api.Nullable PromotionVerdict g) {
    if (g == null) return "-";
    if (g.eligible()) return "eligible r" + g.revision();
    if (g.eligibleAt() != null) return "eligible at " + ApiRender.timeUp(g.eligibleAt());
    return "refused";
  }

  /**
   * {@code kiln env diff A B}. Like {@code kiln plan}, exit 0 unless {@code --detailed-exitcode}
   * asks for 2 on a difference: 1 stays an error's, as with plan and {@code terraform plan}.
   */
  @Command(
      name = "diff",
      mixinStandardHelpOptions = true,
      description =
          "What differs between two environments, per service: live revision and image"
              + " digest, then each overridden field (replicas, strategy, env...).",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:no differences (or differences, without --detailed-exitcode)",
        "1:error (e.g. an unknown environment)",
        "2:they differ (with --detailed-exitcode): an image digest, or a field"
      })
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin OutputFormat output;

    @Option(
        names = "--detailed-exitcode",
        description =
            "Exit 2 when the environments differ (a service's image digest or any field, a"
                + " service declared in one only), 0 when they do not; as `kiln plan"
                + " --detailed-exitcode`. Revision numbers are each environment's own and do"
                + " not count.")
    boolean detailedExitcode;

    @Parameters(index = "0", paramLabel = "A", description = "e.g. staging")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "e.g. production")
    String b;

    @Override
    public Integer call() {
      JsonNode answer =
          ApiClient.fromEnvironment()
              .get(
                  "/v1/environments/diff?a="
                      + java.net.URLEncoder.encode(a, java.nio.charset.StandardCharsets.UTF_8)
                      + "&b="
                      + java.net.URLEncoder.encode(b, java.nio.charset.StandardCharsets.UTF_8));
      PrintWriter out = spec.commandLine().getOut();
      EnvironmentDiff diff = ApiClient.read(answer, EnvironmentDiff.class);
      if (output.json()) out.println(ApiClient.pretty(answer));
      else out.print(text(diff));
      out.flush();
      return detailedExitcode && differ(diff) ? 2 : 0;
    }

    /**
     * Whether the two environments differ: a service whose image digests differ (one with none live
     * counts; neither with one does not) or with any differing field.
     */
    static boolean differ(EnvironmentDiff diff) {
      return diff.services().stream()
          .anyMatch(
              s ->
                  !s.differs().isEmpty()
                      || !java.util.Objects.equals(s.a().image(), s.b().image()));
    }

    static String text(EnvironmentDiff diff) {
      String a = diff.a();
      String b = diff.b();
      StringBuilder t = new StringBuilder();
      for (EnvironmentDiff.Service s : diff.services()) {
        t.append(s.name()).append(":\n");
        t.append(live(s.a(), a)).append(live(s.b(), b));
        t.append(imageLine(s));
        List<List<String>> rows = new ArrayList<>();
        for (EnvironmentDiff.Difference d : s.differs())
          rows.add(List.of("  " + d.field(), d.a(), d.b()));
        if (rows.isEmpty()) t.append("  no overrides differ\n");
        else t.append(Tables.render(List.of("  FIELD", a.toUpperCase(), b.toUpperCase()), rows));
      }
      return t.toString();
    }

    /** Neither side live is not a difference: "image digests differ" said so before. */
    private static String imageLine(EnvironmentDiff.Service s) {
      if (s.sameImage()) return "  same image digest\n";
      if (s.a().image() == null && s.b().image() == null) return "  no image live in either\n";
      return "  image digests differ\n";
    }

    private static String live(EnvironmentDiff.Side s, String env) {
      return "  "
          + env
          + ": revision "
          + ApiRender.number(s.liveRevision())
          + ", "
          + ApiRender.text(s.image())
          + ", "
          + s.healthy()
          + "/"
          + s.replicas()
          + " healthy\n";
    }
  }

  /** {@code kiln env promote SERVICE --from A --to B}. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = {
        "Roll SERVICE in --to to exactly the revision live in --from: the same image digest, with",
        "--to's overrides, through --to's own strategy. Refused (with the reason) unless that",
        "revision has been live and healthy in --from for --to's promotion soak, passed its image",
        "tests and any canary analysis there, and is signed. The evidence is journaled",
        "(env-promoted, or promotion-refused)."
      })
  static final class Promote implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SERVICE", description = "The service, as the blueprint names it.")
    String service;

    @Option(names = "--from", required = true, paramLabel = "ENV", description = "e.g. staging")
    String from;

    @Option(names = "--to", required = true, paramLabel = "ENV", description = "e.g. production")
    String to;

    @Option(
        names = "--detach",
        description = "Return once the rollout has started; do not follow it.")
    boolean detach;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "15m",
        converter = ApplyCommand.DurationConverter.class,
        description = "Stop following after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
        names = "--dry-run",
        description =
            "Print the verdict and its evidence (eligible, or refused and why; when it becomes"
                + " eligible); journal nothing, roll nothing. Exit 0 if eligible, 2 if refused.")
    boolean dryRun;

    @Override
    public Integer call() throws InterruptedException {
      ApiClient api = ApiClient.fromEnvironment();
      JsonNode r =
          api.post(
              "/v1/environments/promote",
              ApiClient.tree(new PromoteRequest(service, from, to, dryRun ? true : null)));
      PrintWriter out = spec.commandLine().getOut();
      if (dryRun) {
        PromotionVerdict v = ApiClient.read(r, PromoteResponse.class).verdict();
        if (v == null)
          throw new ApiClient.ApiException(
              0,
              "the Kiln server answered a dry run without a verdict (a server of another version?)");
        out.print(verdictText(v));
        out.flush();
        return v.eligible() ? 0 : 2;
      }
      PromoteResponse promoted = ApiClient.read(r, PromoteResponse.class);
      // the env-promoted entry's body, as the journal holds it
      PromoteResponse.Promoted p = promoted.promoted();
      if (p == null)
        throw new ApiClient.ApiException(
            0,
            "the Kiln server answered a promotion without its entry (a server of another version?)");
      out.println(
          "promoting "
              + service
              + " revision "
              + p.revision()
              + " of "
              + from
              + " to "
              + to
              + ": "
              + p.digest());
      for (String e : p.evidence()) out.println("  " + e);
      List<RolloutView> started = promoted.rollouts() == null ? List.of() : promoted.rollouts();
      if (started.isEmpty()) {
        out.println(to + " already runs it");
        out.flush();
        return 0;
      }
      if (detach) {
        started.forEach(
            s -> out.println("started " + ProgressRender.line(s, java.util.Optional.empty())));
        out.flush();
        return 0;
      }
      List<RolloutView> last =
          new ApplyCommand.RolloutFollower(
                  api, out, ApiRender.interactive(), Duration.ofMillis(500))
              .follow(started, timeout);
      for (RolloutView s : last) {
        if (ProgressRender.aborted(s))
          throw new dev.kiln.model.KilnException(
              "the rollout of "
                  + s.service()
                  + " was aborted: "
                  + ProgressRender.message(s, "no reason given"));
      }
      out.println("promoted " + service + " to " + to);
      out.flush();
      return 0;
    }
  }
}
