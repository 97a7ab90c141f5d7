package dev.kiln.server;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.controller.Change;
import dev.kiln.controller.LiveService;
import dev.kiln.controller.Plan;
import dev.kiln.controller.Revision;
import dev.kiln.controller.RevisionPlanner;
import dev.kiln.controller.Rollout;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Verification;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.ServiceSpec;
import dev.kiln.runtime.ImageRefusedException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code kiln plan} and {@code kiln apply}: parse the blueprint, find (or bake) its images, check
 * their signatures, compute the plan against the journal's state, and record what applying it does
 * — blueprint applied, revisions created, rollouts started — before the executor acts on it.
 */
final class Applier {
  /** What applying did: the plan, and the rollouts it started or changed. */
  record Applied(Plan plan, Blueprint blueprint, List<Rollout> rollouts) {}

  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final ImageStore store;
  private final HostKey key;
  private final Path home;
  private final Secrets secrets;
  private final Clock clock;

  Applier(
      ServerState state,
      Recorder rec,
      Executor executor,
      ImageStore store,
      HostKey key,
      Path home,
      Secrets secrets,
      Clock clock) {
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.store = store;
    this.key = key;
    this.home = home;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** The plan, without baking or recording anything. */
  Applied plan(Path file) {
    Blueprint bp = BlueprintParser.parse(file);
    Map<String, Digest> digests = digests(bp, false, "plan");
    return executor.call(() -> new Applied(plan(bp, digests), bp, List.of()));
  }

  Applied apply(Path file, String actor) {
    Blueprint bp = BlueprintParser.parse(file);
    Map<String, Digest> digests = digests(bp, true, actor);
    verify(digests, actor);
    for (ServiceSpec s : bp.services().values()) secrets.values(s.name(), s.secrets());
    Applied applied = executor.call(() -> record(bp, digests, actor));
    executor.wake();
    return applied;
  }

  /** The digest of every image a service uses, baking the missing ones when allowed. */
  private Map<String, Digest> digests(Blueprint bp, boolean bake, String actor) {
    TreeSet<String> used = new TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    Map<String, Digest> out = new TreeMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : used) {
      store.resolve(name).ifPresentOrElse(d -> out.put(name, d.digest()), () -> missing.add(name));
    }
    if (missing.isEmpty()) return out;
    if (!bake) {
      throw new ServerException(
          "image(s) "
              + missing
              + " not baked yet; run `kiln bake` (or `kiln apply`, which bakes them)");
    }
    BakeOptions options = BakeOptions.defaults().withKeysDir(Optional.of(home.resolve("keys")));
    BakeResult result = new Baker(store, home.resolve("cache"), options).bake(bp, missing);
    for (BakeResult.BakedImage image : result.images()) {
      rec.append(
          actor,
          "apply: image not baked yet",
          new JournalEvent.ImageBaked(
              image.name(), image.manifest().digest(), bp.file().toAbsolutePath().toString()));
      if (used.contains(image.name())) out.put(image.name(), image.manifest().digest());
    }
    return out;
  }

  /**
   * Only images signed by this host's key are deployed; a refusal is journaled and fails the apply.
   */
  private void verify(Map<String, Digest> digests, String actor) {
    for (var e : digests.entrySet()) {
      Verification v = ImageSigner.verify(store, e.getValue(), key.publicKey());
      if (!v.valid()) {
        rec.append(
            actor,
            "apply: signature check failed",
            new JournalEvent.ImageRefused(
                Optional.of(e.getKey()), e.getValue(), v.reason(), v.keyId()));
        throw new ImageRefusedException(
            e.getKey() + " (" + e.getValue() + ")",
            e.getValue(),
            v.reason(),
            "only images signed by this host's key ("
                + key.keyId()
                + ") are deployed; re-bake it with `kiln bake`");
      }
      rec.append(
          actor,
          "apply: signature checked",
          new JournalEvent.ImageVerified(e.getKey(), e.getValue(), v.reason(), v.keyId()));
    }
  }

  /** Runs on the executor thread: the plan against the state, then one entry per decision. */
  private Applied record(Blueprint bp, Map<String, Digest> digests, String actor) {
    Plan plan = plan(bp, digests);
    Instant now = clock.instant();
    TreeMap<String, JournalEvent.AppliedService> services = new TreeMap<>();
    for (ServiceSpec s : bp.services().values()) {
      services.put(
          s.name(),
          new JournalEvent.AppliedService(
              s.image(), s.replicas(), s.strategy(), s.progressDeadline()));
    }
    rec.append(
        actor,
        "apply " + bp.file().getFileName(),
        new JournalEvent.BlueprintApplied(
            bp.file().toAbsolutePath().toString(),
            bp.digest(),
            gitCommit(bp.folder()),
            new TreeMap<>(digests),
            services,
            !plan.isEmpty()));
    List<Rollout> rollouts = new ArrayList<>();
    for (Change c : plan.changes()) {
      ServiceSpec spec = bp.services().get(c.service());
      switch (c) {
        case Change.Create cr -> rollouts.add(startRollout(cr.revision(), c, spec, actor, now));
        case Change.Replace r -> rollouts.add(startRollout(r.to(), c, spec, actor, now));
        case Change.Scale s ->
            state
                .rollout(s.service())
                .ifPresent(
                    r -> {
                      Rollout scaled = r.withReplicas(s.to());
                      rec.append(
                          actor,
                          "scale " + s.from() + " -> " + s.to(),
                          new JournalEvent.RolloutState(scaled));
                      rollouts.add(scaled);
                    });
        case Change.Remove rm ->
            rec.append(
                actor,
                "no longer in the blueprint",
                new JournalEvent.ServiceRemoved(rm.service(), rm.revision().number()));
        case Change.NoChange n -> {}
      }
    }
    return new Applied(plan, bp, rollouts);
  }

  private Rollout startRollout(
      Revision revision, Change c, ServiceSpec spec, String actor, Instant now) {
    rec.append(actor, "apply: " + describe(c), new JournalEvent.RevisionCreated(revision, "apply"));
    Optional<Rollout> running = state.rollout(spec.name()).filter(r -> !r.phase().isTerminal());
    Rollout rollout =
        running
            .map(
                r ->
                    r.supersededBy(
                        revision.number(),
                        spec.replicas(),
                        spec.strategy(),
                        spec.progressDeadline(),
                        now))
            .orElseGet(() -> Rollout.forChange(c, spec, now).orElseThrow());
    rec.append(
        actor,
        "apply: revision " + rollout.from() + " -> " + rollout.to(),
        new JournalEvent.RolloutStarted(rollout, running.map(Rollout::to)));
    return rollout;
  }

  private static String describe(Change c) {
    return switch (c) {
      case Change.Replace r ->
          r.fields().stream().map(Change.FieldChange::field).toList() + " changed";
      case Change.Create cr -> "new service";
      default -> c.getClass().getSimpleName();
    };
  }

  /** RevisionPlanner's plan against the live revisions; it numbers new revisions itself. */
  Plan plan(Blueprint bp, Map<String, Digest> digests) {
    Map<String, LiveService> live = new TreeMap<>();
    Map<String, Integer> highest = new TreeMap<>();
    for (String svc : state.services().keySet()) {
      state
          .desiredRevision(svc)
          .flatMap(n -> state.revision(svc, n))
          .ifPresent(r -> live.put(svc, new LiveService(r, state.replicas(svc))));
    }
    for (String svc : bp.services().keySet()) highest.put(svc, state.maxRevision(svc));
    return RevisionPlanner.plan(bp.services(), digests, live, highest);
  }

  private static Optional<String> gitCommit(Path folder) {
    try {
      Process p =
          new ProcessBuilder("git", "-C", folder.toString(), "rev-parse", "HEAD")
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.exitValue() == 0 && out.matches("[0-9a-f]{40}")
          ? Optional.of(out)
          : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
