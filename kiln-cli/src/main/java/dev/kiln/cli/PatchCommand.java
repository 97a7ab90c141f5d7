package dev.kiln.cli;

import dev.kiln.api.ApplyResponse;
import dev.kiln.api.PatchesRequest;
import dev.kiln.api.PlanView;
import dev.kiln.api.PromotionVerdict;
import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.RolloutView;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.DebianSuites;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Base;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.KilnException;
import dev.kiln.scan.AdvisoryDb;
import dev.kiln.scan.Finding;
import dev.kiln.scan.ImageSbom;
import dev.kiln.scan.ScanWarning;
import dev.kiln.scan.Scanner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln patch [SERVICE…] --advisories PATH [--plan]}: the services whose live image carries
 * advisories with a published fix get that image rebaked with fresh packages (network {@code run}
 * steps re-run, {@code debian:} bases debootstrapped again and upgraded from the suite's updates
 * and security suites), re-scanned — any finding left stops the patch — journaled as {@code
 * patch-started} with the advisory ids, then applied like {@code kiln apply}: each service's own
 * strategy rolls it out and canary analysis judges it.
 */
@Command(
    name = "patch",
    mixinStandardHelpOptions = true,
    description = {
      "Rebake and roll out the images of services affected by advisories.",
      "Each affected image is rebaked with fresh packages (run steps with network: true run",
      "again, debian: bases are debootstrapped again and upgraded from SUITE-updates and",
      "SUITE-security), re-scanned (any finding left stops the",
      "patch), then rolled out through each service's own strategy, journaled with the",
      "advisory ids. --plan shows what would be rebaked and rolled and changes nothing.",
      "--env E patches environment E's services (E--SERVICE); an environment with promotion:",
      "refuses a digest that has not passed its source: patch the source, then kiln env promote.",
      "Exit status: 0 patched (or nothing to patch), 1 a rebake did not fix or a rollout failed."
    })
public final class PatchCommand implements Callable<Integer> {
  @Mixin BlueprintOption blueprint;
  @Mixin HomeOption home;
  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SERVICE", arity = "0..*", description = "Services (default: all).")
  List<String> services = new ArrayList<>();

  @Option(
      names = "--advisories",
      required = true,
      paramLabel = "PATH",
      description = "A directory, .zip or .json file of OSV records and/or tracker JSON.")
  Path advisories;

  @Option(names = "--plan", description = "Show what would be rebaked and rolled; change nothing.")
  boolean plan;

  @Option(
      names = "--keep-base",
      description =
          "Keep the cached debian: bases (offline, or a base patched minutes ago); only run steps with network: true run again.")
  boolean keepBase;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "15m",
      converter = ApplyCommand.DurationConverter.class,
      description = "Stop following the rollouts after this long (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--poll-interval",
      hidden = true,
      defaultValue = "500ms",
      converter = ApplyCommand.DurationConverter.class)
  Duration pollInterval;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ApiClient api = ApiClient.fromEnvironment();
    long started = System.nanoTime();
    AdvisoryDb db = AdvisoryDb.load(advisories);
    for (ScanWarning w : db.warnings()) err.println("warning: " + w);
    Path file = blueprint.file;
    Blueprint bp =
        BlueprintParser.parse(file.toAbsolutePath().normalize(), LocalBlueprint.read(file));
    ImageStore store = home.requireStore();
    PatchPlan decided = PatchPlan.decide(live(api, bp, store, db));

    for (PatchPlan.Unfixable u : decided.unfixable())
      err.println(
          "note: "
              + u.service()
              + ": "
              + u.finding().advisory()
              + " in "
              + u.finding().sourcePackage()
              + " "
              + u.finding().installed()
              + " has no published fix; a rebake cannot fix it");
    for (PatchPlan.Target t : decided.clean())
      out.println(
          t.service()
              + ": "
              + t.image()
              + " "
              + t.digest().shortHex()
              + " has no fixable findings");
    if (decided.targets().isEmpty()) {
      out.println("nothing to patch");
      out.flush();
      err.flush();
      return 0;
    }
    for (PatchPlan.Target t : decided.targets()) {
      out.println(
          (plan ? "would patch " : "patching ")
              + t.service()
              + ": rebake "
              + t.image()
              + " "
              + t.digest().shortHex()
              + " for "
              + String.join(", ", t.advisories()));
      for (Finding f : t.fixable())
        out.println(
            "  "
                + f.severity().label()
                + " "
                + f.advisory()
                + " "
                + f.sourcePackage()
                + " "
                + f.installed()
                + " -> "
                + f.fixed().orElseThrow());
    }
    for (String image : decided.images())
      if (bp.image(image).isEmpty())
        throw new KilnException(
            "image "
                + image
                + " is not made by "
                + file
                + " (it is pulled or imported); patch it where it is made, then `kiln apply`");
    if (plan) {
      out.println(
          "would rebake "
              + String.join(", ", decided.images())
              + (keepBase
                  ? " (network run steps re-run)"
                  : " (debian: bases refreshed, network run steps re-run)")
              + ", re-scan, and roll out through each service's strategy; nothing changed (--plan)");
      for (String suite : debianSuites(bp, decided.images()))
        out.println(
            (keepBase
                    ? "would keep debian:" + suite + " (--keep-base)"
                    : "would refresh debian:" + suite + " from ")
                + (keepBase ? "" : String.join(", ", DebianSuites.names(suite))));
      out.flush();
      err.flush();
      return 0;
    }
    out.flush();

    BakeOptions options =
        BakeOptions.defaults()
            .withKeysDir(Optional.of(home.keys()))
            .withRefresh(keepBase ? BakeOptions.Refresh.NETWORK_STEPS : BakeOptions.Refresh.ALL)
            // the baker's notes say what was taken fresh ("refreshing debian:bookworm …")
            .withListener(
                e -> {
                  if (e instanceof dev.kiln.image.BakerEvent.Note n)
                    out.println("  " + n.message());
                });
    // The tags before the rebake: a refused patch puts them back, so nothing changes.
    Map<String, Descriptor> before = new LinkedHashMap<>();
    for (String image : decided.images()) store.resolve(image).ifPresent(d -> before.put(image, d));
    BakeResult baked =
        new Baker(store, home.home().resolve("cache"), options)
            .bake(bp, List.copyOf(decided.images()));
    Map<String, Digest> rebaked = new LinkedHashMap<>();
    Map<String, List<Finding>> rescanned = new LinkedHashMap<>();
    for (BakeResult.BakedImage i : baked.images()) {
      if (!decided.images().contains(i.name())) continue;
      Digest d = i.manifest().digest();
      rebaked.put(i.name(), d);
      rescanned.put(i.name(), Scanner.scan(ImageSbom.read(store, i.name(), d), db));
      out.println("rebaked " + i.name() + " -> " + d.shortHex());
    }
    List<PatchPlan.Remaining> left = decided.remaining(rescanned);
    if (!left.isEmpty()) {
      for (PatchPlan.Remaining r : left)
        err.println(
            "error: rebaked "
                + r.image()
                + " still carries "
                + r.finding().advisory()
                + " ("
                + r.finding().sourcePackage()
                + " "
                + r.finding().installed()
                + ", fixed in "
                + r.finding().fixed().orElse("?")
                + "): the package sources do not have the fix yet");
      before.forEach(store::tag); // the vulnerable rebake is not left as the image's tag
      err.println("nothing was rolled out; the image tags are as they were");
      err.flush();
      return 1;
    }
    out.println("re-scan clean: " + String.join(", ", rebaked.keySet()));

    LocalBlueprint.Prepared prepared = LocalBlueprint.prepare(file, home.home(), false, true);
    if (env.env.isPresent()) {
      // an environment with promotion: runs only digests that passed its source: say so before
      // anything is journaled (patch the source, then `kiln env promote`)
      List<PromotionVerdict> gate =
          java.util.Objects.requireNonNullElse(
              ApiClient.read(api.post(env.endpoint("plan"), prepared.body()), PlanView.class)
                  .promotionGate(),
              List.of());
      boolean refused = false;
      for (PromotionVerdict v : gate)
        if (!v.eligible()) {
          err.print(EnvCommand.verdictText(v));
          refused = true;
        }
      if (refused) {
        before.forEach(store::tag);
        err.println(
            "nothing was rolled out; the image tags are as they were: patch the environment "
                + env.env.get()
                + " promotes from, then `kiln env promote`");
        err.flush();
        return 1;
      }
    }

    List<PatchesRequest.Patch> list = new ArrayList<>();
    for (PatchPlan.Target t : decided.targets()) {
      list.add(
          new PatchesRequest.Patch(
              env.qualify(t.service()),
              t.image(),
              t.digest().toString(),
              java.util.Objects.requireNonNull(rebaked.get(t.image()), "every target was rebaked")
                  .toString(),
              List.copyOf(t.advisories())));
    }
    api.post("/v1/patches", ApiClient.tree(new PatchesRequest(db.digest().toString(), list)));

    ApplyResponse result =
        ApiClient.read(api.post(env.endpoint("apply"), prepared.body()), ApplyResponse.class);
    PlanCommand.print(out, result.plan());
    List<RolloutView> rollouts = result.rollouts();
    List<RolloutView> last =
        new ApplyCommand.RolloutFollower(api, out, false, pollInterval).follow(rollouts, timeout);
    List<String> failed = new ArrayList<>();
    for (RolloutView r : last)
      if (ProgressRender.aborted(r))
        failed.add(r.service() + ": " + ProgressRender.message(r, "aborted"));
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (!failed.isEmpty()) {
      err.println("patch rollout failed: " + String.join("; ", failed));
      err.flush();
      return 1;
    }
    out.println(
        "patched "
            + decided.targets().size()
            + (decided.targets().size() == 1 ? " service" : " services")
            + " in "
            + ms
            + " ms (advisory to fleet replaced)");
    out.flush();
    return 0;
  }

  /**
   * The live image of each blueprint service (or of the named ones) that the server runs, with what
   * the feed finds in it.
   */
  private List<PatchPlan.Live> live(ApiClient api, Blueprint bp, ImageStore store, AdvisoryDb db) {
    for (String s : services)
      if (!bp.services().containsKey(s))
        throw new KilnException(
            "no service "
                + s
                + " in "
                + blueprint.file
                + " (it has "
                + bp.services().keySet()
                + ")");
    Map<String, ServiceView> running = new LinkedHashMap<>();
    for (ServiceView s : ApiClient.read(api.get("/v1/services"), ServicesResponse.class).services())
      running.put(s.name(), s);
    List<PatchPlan.Live> out = new ArrayList<>();
    for (var spec : bp.services().values()) {
      if (!services.isEmpty() && !services.contains(spec.name())) continue;
      ServiceView s = running.get(env.qualify(spec.name()));
      Integer liveRevision = s == null ? null : s.liveRevision();
      if (liveRevision == null || liveRevision < 0) {
        if (services.contains(spec.name()))
          throw new KilnException(
              "service "
                  + env.qualify(spec.name())
                  + " is not running; `kiln apply"
                  + env.env.map(e -> " --env " + e).orElse("")
                  + "` it first");
        continue;
      }
      int live = liveRevision;
      Digest image = null;
      RevisionsResponse revisions =
          ApiClient.read(
              api.get(ApiClient.path("/v1/services", env.qualify(spec.name()), "revisions")),
              RevisionsResponse.class);
      for (RevisionView r : revisions.revisions())
        if (r.number() == live) image = Digest.parse(r.image());
      if (image == null) continue;
      if (!store.has(image))
        throw new KilnException(
            spec.name()
                + " runs "
                + image.shortHex()
                + ", which is not in the image store "
                + home.images()
                + "; patch on the server's host (or with its KILN_HOME)");
      ImageSbom sbom = ImageSbom.read(store, spec.image(), image);
      out.add(new PatchPlan.Live(spec.name(), spec.image(), image, Scanner.scan(sbom, db)));
    }
    return out;
  }

  /**
   * The {@code debian:} suites the rebake of {@code images} starts from, following {@code from:}
   * through the blueprint's own images.
   */
  static java.util.SortedSet<String> debianSuites(
      Blueprint bp, java.util.Collection<String> images) {
    java.util.SortedSet<String> suites = new java.util.TreeSet<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(images);
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name)) continue;
      bp.image(name)
          .ifPresent(
              r -> {
                switch (r.from()) {
                  case Base.Debian d -> suites.add(d.suite());
                  case Base.BlueprintImage b -> todo.push(b.name());
                  default -> {}
                }
              });
    }
    return suites;
  }
}
