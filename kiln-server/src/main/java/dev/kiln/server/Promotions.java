package dev.kiln.server;

import dev.kiln.controller.EventKind;
import dev.kiln.controller.PromotionDecision;
import dev.kiln.controller.PromotionRefusedException;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Verification;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Query;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.Environment;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code kiln env promote} and the promotion gate of {@code kiln apply --env}: gathers what the
 * source environment's journal, image store and last health observation say about a service, asks
 * the controller's {@link PromotionDecision}, and journals the verdict with its evidence ({@code
 * env-promoted} or {@code promotion-refused}) before anything moves. Runs on the executor thread.
 */
final class Promotions {
  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final ImageStore store;
  private final HostKey key;
  private final Clock clock;
  private final Applier applier;

  Promotions(
      ServerState state,
      Recorder rec,
      Executor executor,
      ImageStore store,
      HostKey key,
      Clock clock,
      Applier applier) {
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.store = store;
    this.key = key;
    this.clock = clock;
    this.applier = applier;
  }

  /**
   * Before {@code kiln apply --env TO} records anything: every service of an environment with
   * {@code promotion: { from }} whose digest would change must run the digest that qualified in
   * {@code from}. Returns the {@code env-promoted} entries to journal; a refusal is journaled and
   * thrown.
   */
  List<JournalEvent> gate(
      Blueprint parsed, Environments.Resolved r, Map<String, Digest> digests, String actor) {
    List<JournalEvent> evidence = new ArrayList<>();
    for (Judged j : gateVerdicts(parsed, r, digests))
      evidence.add(verdict(j.verdict(), j.service(), j.from(), j.to(), j.soak(), "apply", actor));
    return evidence;
  }

  /** A verdict judged but not journaled: {@code kiln plan --env}, {@code env promote --dry-run}. */
  record Judged(
      String service, String from, String to, Duration soak, PromotionDecision.Verdict verdict) {}

  /**
   * What the gate of {@code kiln apply --env TO} would say, per service whose digest would change;
   * journals nothing (kiln plan --env shows it).
   */
  List<Judged> gateVerdicts(
      Blueprint parsed, Environments.Resolved r, Map<String, Digest> digests) {
    String to = r.environment().orElseThrow();
    Environment target = parsed.environment(to).orElseThrow();
    if (target.promotion().isEmpty()) return List.of();
    Environment.Promotion p = target.promotion().get();
    List<Judged> out = new ArrayList<>();
    for (ServiceSpec s : parsed.services().values()) {
      String q = Environment.qualify(to, s.name());
      // the apply resolved every image of the blueprint before judging
      Digest wanted =
          Objects.requireNonNull(digests.get(s.image()), () -> "no digest for " + s.image());
      Optional<Digest> running =
          state.desiredRevision(q).flatMap(n -> state.revision(q, n)).map(Revision::image);
      if (running.isPresent() && running.get().equals(wanted)) continue;
      PromotionDecision.Verdict v =
          judge(s.name(), p.from(), to, Optional.of(wanted), Optional.of(p.from()), p.soak());
      out.add(new Judged(s.name(), p.from(), to, p.soak(), v));
    }
    return out;
  }

  /**
   * {@code kiln env promote --dry-run}: the verdict {@code promote} would reach now, with its
   * evidence; journals nothing and moves nothing.
   */
  Judged preview(String service, String from, String to) {
    JournalEvent.DeclaredEnvironment target = declared(service, from, to);
    return new Judged(
        service,
        from,
        to,
        target.soak(),
        judge(service, from, to, Optional.empty(), target.promotionFrom(), target.soak()));
  }

  /** What {@code kiln env promote} did: the verdict's entry and the apply it made. */
  record Promoted(JournalEvent.EnvPromoted promoted, Applier.Applied applied) {}

  /**
   * Rolls {@code to} to exactly the revision live in {@code from}: its digest, with {@code to}'s
   * own config (as its last declaration resolved it) and strategy.
   */
  Promoted promote(String service, String from, String to, String actor) {
    JournalEvent.DeclaredEnvironment target = declared(service, from, to);
    // declared() refuses an environment without this service
    JournalEvent.EnvironmentService spec =
        Objects.requireNonNull(target.services().get(service), service);
    PromotionDecision.Verdict v =
        judge(service, from, to, Optional.empty(), target.promotionFrom(), target.soak());
    JournalEvent.EnvPromoted promoted =
        (JournalEvent.EnvPromoted) verdict(v, service, from, to, target.soak(), "promote", actor);
    String q = Environment.qualify(to, service);
    ServiceSpec s = Environments.spec(q, spec);
    Blueprint bp =
        new Blueprint(
            Path.of("env-promote", from + "-to-" + to), promoted.digest(), Map.of(), Map.of(q, s));
    Map<String, Digest> digests = new TreeMap<>(Map.of(s.image(), promoted.digest()));
    Applier.Applied applied = applier.record(bp, digests, actor, q::equals, List.of(promoted));
    executor.wake();
    return new Promoted(promoted, applied);
  }

  /**
   * Journals the verdict: refused (and throws), or the promotion's entry (returned unjournaled).
   */
  private JournalEvent verdict(
      PromotionDecision.Verdict v,
      String service,
      String from,
      String to,
      java.time.Duration soak,
      String via,
      String actor) {
    return switch (v) {
      case PromotionDecision.Refused r -> {
        rec.append(
            actor,
            "promotion refused: " + r.reason(),
            new JournalEvent.PromotionRefused(
                service, from, to, r.revision(), r.digest(), r.reason(), r.evidence(), via));
        throw new PromotionRefusedException(
            "promotion of " + service + " from " + from + " to " + to + " refused: " + r.reason(),
            r.evidence());
      }
      case PromotionDecision.Eligible e ->
          new JournalEvent.EnvPromoted(
              service, from, to, e.revision(), e.digest(), e.soakStart(), soak, e.evidence(), via);
    };
  }

  /** The target of a promotion of {@code service}: both environments declare it, or NotFound. */
  private JournalEvent.DeclaredEnvironment declared(String service, String from, String to) {
    Map<String, JournalEvent.DeclaredEnvironment> declared = state.environments();
    JournalEvent.DeclaredEnvironment source = known(declared, from);
    JournalEvent.DeclaredEnvironment target = known(declared, to);
    for (var e : List.of(Map.entry(from, source), Map.entry(to, target))) {
      if (!e.getValue().services().containsKey(service)) {
        throw new ServerException.NotFound(
            "environment "
                + e.getKey()
                + " has no service "
                + service
                + "; it has "
                + e.getValue().services().keySet());
      }
    }
    return target;
  }

  private static JournalEvent.DeclaredEnvironment known(
      Map<String, JournalEvent.DeclaredEnvironment> declared, String env) {
    JournalEvent.DeclaredEnvironment d = declared.get(env);
    if (d == null) {
      throw new ServerException.NotFound(
          "no environment '"
              + env
              + "'"
              + (declared.isEmpty()
                  ? "; apply a blueprint with environments: first (kiln apply --env NAME)"
                  : "; known: " + String.join(", ", declared.keySet())));
    }
    return d;
  }

  /** The decision for the service's live revision in {@code from}, on this server's facts. */
  PromotionDecision.Verdict judge(
      String service,
      String from,
      String to,
      Optional<Digest> requested,
      Optional<String> promotesFrom,
      java.time.Duration soak) {
    String q = Environment.qualify(from, service);
    Optional<PromotionDecision.Live> live =
        state.liveRevision(q).flatMap(n -> state.revision(q, n)).flatMap(r -> live(q, r));
    return PromotionDecision.decide(
        new PromotionDecision.Candidate(service, from, to, live, requested),
        promotesFrom,
        soak,
        clock.instant());
  }

  /**
   * What the journal, the store and the last observation say of revision {@code r} of {@code q}.
   */
  private Optional<PromotionDecision.Live> live(String q, Revision r) {
    List<Entry> entries = rec.journal().entries(Query.all().subject(q));
    // When it went live: the first entry of the last run of rollout states whose last good
    // revision is this one (a redeploy of another revision in between starts a new run).
    Optional<java.time.Instant> since = Optional.empty();
    for (Entry e : entries) {
      Optional<Rollout> rollout =
          switch (EventCodec.decode(e)) {
            case JournalEvent.RolloutStarted s -> Optional.of(s.rollout());
            case JournalEvent.RolloutState s -> Optional.of(s.rollout());
            case JournalEvent.RolloutIntent i -> Optional.of(i.rollout());
            default -> Optional.empty();
          };
      if (rollout.isEmpty()) continue;
      if (rollout.get().lastGood() == r.number()) {
        if (since.isEmpty()) since = Optional.of(e.time());
      } else {
        since = Optional.empty();
      }
    }
    if (since.isEmpty()) return Optional.empty();
    java.time.Instant wentLive = since.get();
    List<PromotionDecision.Incident> incidents = new ArrayList<>();
    int canarySteps = 0;
    for (Entry e : entries) {
      if (e.time().isBefore(wentLive)) {
        JournalEvent before = EventCodec.decode(e);
        if (before instanceof JournalEvent.RolloutStarted s && s.rollout().to() == r.number())
          canarySteps = 0; // the steps of the rollout that made it live
        if (before instanceof JournalEvent.Noted n && n.note() == EventKind.CANARY_STEP)
          canarySteps++;
        continue;
      }
      // Failures of this revision restart its soak; so does a later rollout of the same digest
      // that aborted (its verification failed). A newer revision failing says nothing of this one.
      switch (EventCodec.decode(e)) {
        case JournalEvent.InstanceFailed f when f.revision() == r.number() ->
            incidents.add(
                new PromotionDecision.Incident(
                    e.time(), "instance " + f.instance() + " failed: " + f.error()));
        case JournalEvent.InstanceLimitExceeded l when l.revision() == r.number() ->
            incidents.add(
                new PromotionDecision.Incident(
                    e.time(), "instance " + l.instance() + " exceeded its " + l.limit()));
        case JournalEvent.InstanceDrifted d when d.revision() == r.number() ->
            incidents.add(
                new PromotionDecision.Incident(
                    e.time(), "instance " + d.instance() + " drifted (" + d.surface() + ")"));
        case JournalEvent.RolloutState s
            when s.rollout().phase() == Rollout.Phase.ABORTED
                && s.rollout().to() != r.number()
                && state
                    .revision(q, s.rollout().to())
                    .map(x -> x.image().equals(r.image()))
                    .orElse(false) ->
            incidents.add(
                new PromotionDecision.Incident(
                    e.time(),
                    "revision " + s.rollout().to() + " of the same image aborted its rollout"));
        default -> {}
      }
    }
    Optional<PromotionDecision.Analysis> analysis = Optional.empty();
    Strategy strategy =
        state.service(q).map(ServerState.ServiceInfo::strategy).orElse(Strategy.Rolling.DEFAULT);
    if (strategy instanceof Strategy.Canary c && c.analysis().isPresent()) {
      // it is live, so its canary rollout succeeded: every step's analysis passed
      analysis =
          Optional.of(
              new PromotionDecision.Analysis(
                  true,
                  "its canary rollout succeeded, "
                      + canarySteps
                      + " step(s) within the analysis thresholds"));
    }
    Verification v = ImageSigner.verify(store, r.image(), key.publicKey());
    int healthy =
        (int)
            executor.observed().stream()
                .filter(
                    o ->
                        o.instance().service().equals(q)
                            && o.instance().revision() == r.number()
                            && o.instance().isHealthy()
                            && !o.leaving())
                .count();
    return Optional.of(
        new PromotionDecision.Live(
            r.number(),
            r.image(),
            wentLive,
            healthy,
            state.replicas(q),
            analysis,
            new PromotionDecision.Signature(
                v.valid(), v.valid() ? "valid, " + v.reason() : v.reason()),
            incidents));
  }
}
