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
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@code kiln plan} and {@code kiln apply}: parse the blueprint, find (or bake) its images, check
 * their signatures, compute the plan against the journal's state, and record what applying it does
 * — blueprint applied, revisions created, rollouts started — before the executor acts on it.
 */
final class Applier {
  /**
   * What applying did: the plan, the rollouts it started or changed, and the certificates it
   * installed, renewed or removed (not part of any revision, so not in the plan).
   */
  record Applied(
      Plan plan,
      Blueprint blueprint,
      List<Rollout> rollouts,
      List<EdgeTls.CertificateChange> certificates) {
    Applied(Plan plan, Blueprint blueprint, List<Rollout> rollouts) {
      this(plan, blueprint, rollouts, List.of());
    }

    Applied {
      rollouts = List.copyOf(rollouts);
      certificates = List.copyOf(certificates);
    }
  }

  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final ImageStore store;
  private final HostKey key;
  private final Path home;
  private final Secrets secrets;
  private final Clock clock;
  private final AdmissionCheck admission;
  private final EdgeTls tls;

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
    this.tls = new EdgeTls(home, secrets, clock);
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.store = store;
    this.key = key;
    this.home = home;
    this.secrets = secrets;
    this.clock = clock;
    this.promotions = new Promotions(state, rec, executor, store, key, clock, this);
  }

  /** The plan, without recording anything. */
  Applied plan(Submission submission) {
    return plan(submission, Optional.empty());
  }

  /** The plan of one environment ({@code kiln plan --env E}), or of the default one. */
  Applied plan(Submission submission, Optional<String> env) {
    return planGated(submission, env).applied();
  }

  /** A plan, and what the promotion gate of the environment would say of it (nothing journaled). */
  record Gated(Applied applied, List<Promotions.Judged> gate) {}

  /**
   * {@code kiln plan --env E}: the plan, and per service whose digest would change in an
   * environment with {@code promotion:}, the gate's verdict, so a refusal is known before apply.
   */
  Gated planGated(Submission submission, Optional<String> env) {
    Blueprint parsed = BlueprintParser.parse(submission.label(), submission.content());
    Environments.Resolved r = executor.call(() -> resolve(parsed, env));
    Blueprint bp = r.blueprint();
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    tls.check(bp, submission); // a certificate apply would refuse: said at plan, where it is
    return executor.call(
        () ->
            new Gated(
                new Applied(plan(bp, digests, r.scope()), bp, List.of()),
                r.environment().isPresent()
                    ? promotions.gateVerdicts(parsed, r, digests)
                    : List.of()));
  }

  Applied apply(Submission submission, String actor) {
    return apply(submission, actor, Optional.empty());
  }

  /**
   * Applies the blueprint to one environment ({@code kiln apply --env E}: its services qualified
   * and overridden, only its services planned against), or to the default one. An environment with
   * {@code promotion:} runs only digests that passed its source ({@link Promotions#gate}).
   */
  Applied apply(Submission submission, String actor, Optional<String> env) {
    return apply(
        submission, BlueprintParser.parse(submission.label(), submission.content()), actor, env);
  }

  /** As {@link #apply(Submission, String, Optional)}, with the submission's blueprint parsed. */
  Applied apply(Submission submission, Blueprint parsed, String actor, Optional<String> env) {
    Environments.Resolved r = executor.call(() -> resolve(parsed, env));
    Blueprint bp = r.blueprint();
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    verify(digests, actor);
    admission.check(bp, digests, state, executor, rec, actor);
    for (ServiceSpec s : bp.services().values()) secrets.values(s.name(), s.secrets());
    var certificates = tls.check(bp, submission); // a bad certificate: refused, nothing changed
    WebhookConfig.requireSecrets(bp, secrets);
    Applied applied =
        executor.call(
            () -> {
              List<JournalEvent> evidence =
                  r.environment().isPresent()
                      ? promotions.gate(parsed, r, digests, actor)
                      : List.of();
              Applied a = record(bp, submission, digests, actor, r, evidence, true);
              // only this environment's certificates: an apply to staging leaves production's alone
              var current = new java.util.TreeMap<>(state.certificates());
              current.keySet().removeIf(service -> !r.scope().test(service));
              List<JournalEvent> changes = EdgeTls.changes(certificates, current);
              for (JournalEvent e : changes)
                rec.append(actor, "apply " + bp.file().getFileName() + ": route.tls", e);
              return new Applied(
                  a.plan(), a.blueprint(), a.rollouts(), EdgeTls.described(changes, current));
            });
    executor.wake();
    return applied;
  }

  private Environments.Resolved resolve(Blueprint parsed, Optional<String> env) {
    return Environments.resolve(parsed, env, state.environments().keySet());
  }

  /** Judges the promotions an apply to an environment with {@code promotion:} makes. */
  private final Promotions promotions;

  Promotions promotions() {
    return promotions;
  }

  /**
   * Records an apply that was decided elsewhere (a promotion: one service of an environment, its
   * digest pinned), with the entries that justify it first; only services in {@code scope} change.
   */
  Applied record(
      Blueprint bp,
      Map<String, Digest> digests,
      String actor,
      java.util.function.Predicate<String> scope,
      List<JournalEvent> before) {
    return record(
        bp,
        new Submission("", bp.file(), digests, Optional.empty()),
        digests,
        actor,
        new Environments.Resolved(bp, Optional.empty(), scope, Optional.empty()),
        before,
        false);
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
      Blueprint bp,
      Submission submission,
      Map<String, Digest> digests,
      String actor,
      Environments.Resolved env,
      List<JournalEvent> before,
      boolean configuresWebhooks) {
    Plan plan = plan(bp, digests, env.scope());
    Instant now = clock.instant();
    for (JournalEvent e : before) rec.append(actor, "promotion evidence", e);
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
    // the blueprint's webhooks (not a promotion's, which records one service and no blueprint):
    // told of what follows, this apply's rollouts included
    if (configuresWebhooks)
      WebhookConfig.next(state.webhooks(), bp.webhooks(), state.lastSeq())
          .ifPresent(n -> rec.append(actor, "apply: notify", n));
    env.declared().ifPresent(d -> rec.append(actor, "apply to environment " + d.environment(), d));
    List<Rollout> rollouts = new ArrayList<>();
    for (Change c : plan.changes()) {
      ServiceSpec spec = bp.services().get(c.service());
      switch (c) {
        case Change.Create cr ->
            rollouts.add(startRollout(cr.revision(), c, planned(spec, c), actor, now));
        case Change.Replace r ->
            rollouts.add(startRollout(r.to(), c, planned(spec, c), actor, now));
        case Change.Scale s ->
            state
                .rollout(s.service())
                .ifPresent(
                    r -> {
                      Rollout scaled = r.scaledTo(s.to(), now);
                      rec.append(
                          actor,
                          "scale " + s.from() + " -> " + s.to(),
                          new JournalEvent.RolloutState(scaled));
                      // An aborted rollout carries no scale (its old fleet does, as the
                      // stable one): it is not this apply's, and following it would report
                      // that old abort as this apply's failure.
                      if (scaled.phase() != Rollout.Phase.ABORTED) rollouts.add(scaled);
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

  /** The plan creates and replaces only services of the blueprint it was made from. */
  private static ServiceSpec planned(@Nullable ServiceSpec spec, Change c) {
    return Objects.requireNonNull(spec, () -> "the plan changes " + c.service() + ", not in it");
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
    return plan(bp, digests, svc -> true);
  }

  /** The plan against the live services in {@code scope} (one environment's). */
  Plan plan(Blueprint bp, Map<String, Digest> digests, java.util.function.Predicate<String> scope) {
    Map<String, LiveService> live = new TreeMap<>();
    Map<String, Integer> highest = new TreeMap<>();
    for (String svc : state.services().keySet()) {
      if (!scope.test(svc)) continue;
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
