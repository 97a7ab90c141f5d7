package dev.kiln.server;

import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.journal.Entry;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the control plane knows, rebuilt from the journal alone: every state change is an entry, and
 * {@link #apply(Entry)} is the only way this object changes. On start the server replays every
 * entry; while it runs, each appended entry is applied right after it is durable. Entries of kinds
 * that carry no state (instance starts, events) pass through unchanged.
 *
 * <p>Not thread-safe: owned by the executor's single thread.
 */
public final class ServerState {
  /**
   * How a service is to be rolled out, as the last applied blueprint said. Its replica count is the
   * rollout's ({@link #replicas}): a scale changes the rollout, so there is one number to trust.
   */
  public record ServiceInfo(
      String name,
      Strategy strategy,
      Duration progressDeadline,
      Optional<dev.kiln.model.Autoscale> autoscale) {
    public ServiceInfo(String name, Strategy strategy, Duration progressDeadline) {
      this(name, strategy, progressDeadline, Optional.empty());
    }
  }

  private final Map<String, ServiceInfo> services = new TreeMap<>();
  private final Map<String, List<Revision>> revisions = new TreeMap<>();
  private final Map<String, Rollout> rollouts = new TreeMap<>();

  /**
   * Per service, every revision that has been its live one (a rollout's last good revision): what
   * {@code kiln rollback} may go back to by default. An aborted or superseded rollout's target
   * never gets here: its content was never proven in service.
   */
  private final Map<String, Set<Integer>> served = new TreeMap<>();

  private final Map<String, Instant> rolloutStartedAt = new HashMap<>();
  private final Map<String, Traffic> traffic = new TreeMap<>();
  private final Map<String, Integer> adopted = new HashMap<>();
  private final Map<String, RevisionMeta> revisionMeta = new HashMap<>();
  private final Map<String, Integer> scaled = new HashMap<>();
  private long lastSeq;
  private final List<Drifted> drifts = new ArrayList<>();

  /** A drift verdict and when it was journaled (the drift budget counts from it). */
  public record Drifted(JournalEvent.InstanceDrifted event, Instant at) {}

  /** Each applied service's {@code drift:} (issue 10), from the last {@code blueprint-applied}. */
  private final Map<String, dev.kiln.model.DriftPolicy> driftPolicies = new TreeMap<>();

  /** Each service's {@code drift:} response; a service not listed replaces (the default). */
  public Map<String, dev.kiln.controller.DriftResponse.Mode> driftModes() {
    Map<String, dev.kiln.controller.DriftResponse.Mode> modes = new TreeMap<>();
    driftPolicies.forEach(
        (name, p) -> modes.put(name, dev.kiln.controller.DriftResponse.Mode.parse(p.response())));
    return modes;
  }

  /** Each service's drift budget; a service not listed has {@code Budget.DEFAULT}. */
  public Map<String, dev.kiln.controller.DriftResponse.Budget> driftBudgets() {
    Map<String, dev.kiln.controller.DriftResponse.Budget> budgets = new TreeMap<>();
    driftPolicies.forEach(
        (name, p) ->
            budgets.put(
                name, new dev.kiln.controller.DriftResponse.Budget(p.replacements(), p.window())));
    return budgets;
  }

  /** Every drift verdict, oldest first. */
  public List<Drifted> drifts() {
    return List.copyOf(drifts);
  }

  /** When, by whom and why a revision was created. */
  public record RevisionMeta(Instant createdAt, String actor, String cause) {}

  public void apply(Entry e) {
    lastSeq = e.seq();
    JournalEvent event = EventCodec.decode(e);
    git.apply(e, event);
    apply(e, event);
  }

  /** What {@code kiln server --git} applied, refused, and whether the live blueprint is its. */
  private final GitState git = new GitState();

  public GitState git() {
    return git;
  }

  // Exhaustive over the sealed family, without a default: a new kind must say what it changes.
  private void apply(Entry e, JournalEvent event) {
    switch (event) {
      case JournalEvent.BlueprintApplied b ->
          b.services()
              .forEach(
                  (name, s) -> {
                    services.put(
                        name,
                        new ServiceInfo(name, s.strategy(), s.progressDeadline(), s.autoscale()));
                    driftPolicies.put(name, s.drift());
                  });
      case JournalEvent.RevisionCreated c -> {
        Revision r = c.revision();
        List<Revision> list = revisions.computeIfAbsent(r.service(), k -> new ArrayList<>());
        list.removeIf(x -> x.number() == r.number());
        list.add(r);
        list.sort(Comparator.comparingInt(Revision::number));
        revisionMeta.put(
            r.service() + "@" + r.number(), new RevisionMeta(e.time(), e.actor(), c.cause()));
      }
      case JournalEvent.RolloutStarted s -> {
        putRollout(s.rollout());
        rolloutStartedAt.put(s.rollout().service(), e.time());
      }
      case JournalEvent.RolloutState s -> putRollout(s.rollout());
      case JournalEvent.RolloutIntent i -> putRollout(i.rollout());
      case JournalEvent.TrafficSet t -> traffic.put(t.service(), t.traffic());
      case JournalEvent.InstanceAdopted a ->
          a.instances().forEach(id -> adopted.put(id, a.toRevision()));
      case JournalEvent.ServiceRemoved r -> {
        services.remove(r.service());
        driftPolicies.remove(r.service());
        scaled.remove(r.service());
        rollouts.remove(r.service());
        served.remove(r.service());
        traffic.remove(r.service());
      }
      // the auto-scaler's target for the live revision (a service removed and re-added starts over)
      case JournalEvent.ServiceScaled sc -> scaled.put(sc.service(), sc.to());
      // facts for the audit trail; the state they describe is in the entries above
      case JournalEvent.ServerStarted s -> {}
      case JournalEvent.ImageBaked b -> {}
      case JournalEvent.ImageVerified v -> {}
      case JournalEvent.ImageRefused r -> {}
      case JournalEvent.InstanceStarting s -> {}
      case JournalEvent.InstanceStopping s -> {}
      case JournalEvent.InstanceFailed f -> {}
      case JournalEvent.InstanceLimitExceeded l -> {}
      case JournalEvent.InstanceMoved m -> {}
      case JournalEvent.RollbackRequested r -> {}
      case JournalEvent.Noted n -> {}
      case JournalEvent.PatchStarted p -> {}
      case JournalEvent.AdmissionRefused r -> {}
      case JournalEvent.AdmissionExcepted x -> {}
      case JournalEvent.PolicyException p ->
          exemptions.put(
              p.advisory(),
              new dev.kiln.scan.Admission.Exemption(p.advisory(), p.until(), p.reason()));
      case JournalEvent.SnapshotCreated c -> {}
      case JournalEvent.SnapshotDrill d -> {}
      case JournalEvent.Restored r -> {}
      case JournalEvent.InstanceDrifted d -> drifts.add(new Drifted(d, e.time()));
      // environments: the last declaration of each wins; promotions are evidence for the audit
      case JournalEvent.EnvironmentApplied a -> environments.putAll(a.environments());
      case JournalEvent.EnvPromoted p -> {}
      case JournalEvent.PromotionRefused r -> {}
      case JournalEvent.CertificateInstalled c -> certificates.put(c.service(), c);
      case JournalEvent.CertificateRemoved c -> certificates.remove(c.service());
      // projected by GitState (with blueprint-applied), above
      case JournalEvent.GitApplied g -> {}
      case JournalEvent.GitRefused g -> {}
      case JournalEvent.GitDrifted g -> {}
      case JournalEvent.NotifyConfigured c -> webhooks = c.webhooks();
      case JournalEvent.NotifyDelivered d -> {}
      case JournalEvent.NotifyFailed f -> {}
    }
  }

  private final Map<String, JournalEvent.DeclaredEnvironment> environments = new TreeMap<>();

  /**
   * Every environment an applied blueprint declared, as last declared (routers, promotion, services
   * resolved with their overrides). An environment a later blueprint drops stays known: its
   * services still run, on its router, until they are removed.
   */
  public Map<String, JournalEvent.DeclaredEnvironment> environments() {
    return java.util.Collections.unmodifiableMap(environments);
  }

  /** Each service's certificate as last installed by {@code kiln apply} (route.tls). */
  private final Map<String, JournalEvent.CertificateInstalled> certificates =
      new java.util.TreeMap<>();

  public Map<String, JournalEvent.CertificateInstalled> certificates() {
    return java.util.Collections.unmodifiableMap(certificates);
  }

  /** The blueprint's webhooks, as last configured (the notifier reads them from the journal). */
  private List<JournalEvent.Webhook> webhooks = List.of();

  public List<JournalEvent.Webhook> webhooks() {
    return webhooks;
  }

  /** {@code kiln policy allow} exceptions by advisory id, the latest of each (admission). */
  private final Map<String, dev.kiln.scan.Admission.Exemption> exemptions =
      new java.util.TreeMap<>();

  /** The auto-scaler's last target for the service, if it ever scaled it. */
  public Optional<Integer> scaled(String service) {
    return Optional.ofNullable(scaled.get(service));
  }

  public Map<String, dev.kiln.scan.Admission.Exemption> exemptions() {
    return java.util.Collections.unmodifiableMap(exemptions);
  }

  public long lastSeq() {
    return lastSeq;
  }

  public Map<String, ServiceInfo> services() {
    return services;
  }

  /** How many instances the service is to run: its rollout's count (0 before its first one). */
  public int replicas(String service) {
    return rollout(service).map(Rollout::replicas).orElse(0);
  }

  public Optional<ServiceInfo> service(String name) {
    return Optional.ofNullable(services.get(name));
  }

  private void putRollout(Rollout r) {
    rollouts.put(r.service(), r);
    if (r.lastGood() > 0)
      served.computeIfAbsent(r.service(), k -> new TreeSet<>()).add(r.lastGood());
  }

  /** The revisions that have been the service's live one. */
  public Set<Integer> servedRevisions(String service) {
    return Set.copyOf(served.getOrDefault(service, Set.of()));
  }

  public List<Revision> revisions(String service) {
    return List.copyOf(revisions.getOrDefault(service, List.of()));
  }

  public Optional<Revision> revision(String service, int number) {
    return revisions(service).stream().filter(r -> r.number() == number).findFirst();
  }

  public RevisionMeta meta(Revision r) {
    return revisionMeta.getOrDefault(
        r.service() + "@" + r.number(), new RevisionMeta(Instant.EPOCH, "?", "apply"));
  }

  public int maxRevision(String service) {
    return revisions(service).stream().mapToInt(Revision::number).max().orElse(0);
  }

  public Map<String, Rollout> rollouts() {
    return rollouts;
  }

  public Optional<Rollout> rollout(String service) {
    return Optional.ofNullable(rollouts.get(service));
  }

  public Optional<Instant> rolloutStartedAt(String service) {
    return Optional.ofNullable(rolloutStartedAt.get(service));
  }

  public Traffic traffic(String service) {
    return traffic.getOrDefault(service, Traffic.NONE);
  }

  public Map<String, Traffic> traffic() {
    return traffic;
  }

  /** The revision an instance now serves: its label, unless a rollback swap adopted it. */
  public int revisionOf(String instanceId, int labelled) {
    return adopted.getOrDefault(instanceId, labelled);
  }

  /** The revision that serves the service when nothing is moving: the rollout's last good one. */
  public Optional<Integer> liveRevision(String service) {
    return rollout(service).map(Rollout::lastGood).filter(n -> n > 0);
  }

  /**
   * The revision a new apply compares the blueprint with: the rollout's target unless it was
   * aborted (then the last good one), so re-applying the same blueprint during a rollout is no
   * change, and after an abort is a retry.
   */
  public Optional<Integer> desiredRevision(String service) {
    return rollout(service)
        .map(r -> r.phase() == Rollout.Phase.ABORTED ? r.from() : r.to())
        .filter(n -> n > 0);
  }
}
