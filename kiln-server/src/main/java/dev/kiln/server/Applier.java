package dev.kiln.server;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.controller.Change;
import dev.kiln.controller.LiveService;
import dev.kiln.controller.Plan;
import dev.kiln.controller.Revision;
import dev.kiln.controller.RevisionPlanner;
import dev.kiln.controller.Rollout;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Verification;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.ServiceSpec;
import dev.kiln.runtime.HostCapacity;
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
  private final AdmissionCheck admission;

  /** Without an advisory feed: blueprints with a {@code policy:} are refused at apply. */
  Applier(
      ServerState state,
      Recorder rec,
      Executor executor,
      ImageStore store,
      HostKey key,
      Path home,
      Secrets secrets,
      Clock clock) {
    this(
        state,
        rec,
        executor,
        store,
        key,
        home,
        secrets,
        clock,
        AdmissionCheck.load(Optional.empty(), store, clock));
  }

  Applier(
      ServerState state,
      Recorder rec,
      Executor executor,
      ImageStore store,
      HostKey key,
      Path home,
      Secrets secrets,
      Clock clock,
      AdmissionCheck admission) {
    this.admission = admission;
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.store = store;
    this.key = key;
    this.home = home;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** The plan, without recording anything. */
  Applied plan(Submission submission) {
    Blueprint bp = BlueprintParser.parse(submission.label(), submission.content());
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    return executor.call(() -> new Applied(plan(bp, digests), bp, List.of()));
  }

  Applied apply(Submission submission, String actor) {
    Blueprint bp = BlueprintParser.parse(submission.label(), submission.content());
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    verify(digests, actor);
    admission.check(bp, digests, state, executor, rec, actor);
    for (ServiceSpec s : bp.services().values()) secrets.values(s.name(), s.secrets());
    Applied applied = executor.call(() -> record(bp, submission, digests, actor));
    executor.wake();
    return applied;
  }

  /**
   * The digest of every image a service uses: as the client sent it (it bakes where the blueprint's
   * files are), else the store's tag. The server bakes nothing: that would read files a client
   * names.
   */
  private Map<String, Digest> digests(Blueprint bp, Submission submission) {
    TreeSet<String> used = new TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    Map<String, Digest> out = new TreeMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : used) {
      Digest given = submission.images().get(name);
      if (given != null) out.put(name, given);
      else
        store
            .resolve(name)
            .ifPresentOrElse(d -> out.put(name, d.digest()), () -> missing.add(name));
    }
    if (!missing.isEmpty()) {
      throw new ServerException.Conflict(
          "image(s) "
              + missing
              + " not baked yet; run `kiln bake -f "
              + bp.file()
              + "` (`kiln apply` and `kiln plan` bake them where the blueprint is)");
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
  private Applied record(
      Blueprint bp, Submission submission, Map<String, Digest> digests, String actor) {
    Plan plan = plan(bp, digests);
    Instant now = clock.instant();
    TreeMap<String, JournalEvent.AppliedService> services = new TreeMap<>();
    for (ServiceSpec s : bp.services().values()) {
      services.put(
          s.name(),
          new JournalEvent.AppliedService(
              s.image(),
              s.replicas(),
              s.strategy(),
              s.progressDeadline(),
              s.autoscale(),
              s.drift()));
    }
    rec.append(
        actor,
        "apply " + bp.file().getFileName(),
        new JournalEvent.BlueprintApplied(
            bp.file().toString(),
            bp.digest(),
            submission.commit(),
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
          .ifPresent(r -> live.put(svc, new LiveService(r, liveReplicas(bp, svc))));
    }
    for (String svc : bp.services().keySet()) highest.put(svc, state.maxRevision(svc));
    return RevisionPlanner.plan(bp.services(), digests, live, highest);
  }

  /**
   * The count a blueprint's {@code replicas} is compared with. An autoscaled service's count
   * follows demand (the scaler may have raised its rollout's), and {@code replicas} is only its
   * starting count: no plan change for it.
   */
  private int liveReplicas(Blueprint bp, String svc) {
    ServiceSpec spec = bp.services().get(svc);
    if (spec != null && spec.autoscale().isPresent()) return spec.replicas();
    return state.replicas(svc);
  }
}
