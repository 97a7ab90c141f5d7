package dev.kiln.server;

import dev.kiln.api.AutoscaleView;
import dev.kiln.api.CertificateView;
import dev.kiln.api.ChangeView;
import dev.kiln.api.ConditionView;
import dev.kiln.api.InstanceView;
import dev.kiln.api.InstancesResponse;
import dev.kiln.api.JournalEntry;
import dev.kiln.api.PlanView;
import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.RolloutView;
import dev.kiln.api.RolloutsResponse;
import dev.kiln.api.ScalerPreview;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.controller.Change;
import dev.kiln.controller.Condition;
import dev.kiln.controller.Plan;
import dev.kiln.controller.PlanRenderer;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.model.Strategy;
import dev.kiln.runtime.Termination;
import dev.kiln.runtime.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The API's responses as kiln-api records (checked against openapi.yaml by OpenApiContractTest),
 * read from the state on the executor thread so a response never sees half an update.
 */
public final class Views {
  private final ControlPlane cp;

  Views(ControlPlane cp) {
    this.cp = cp;
  }

  public ServicesResponse services() {
    return cp.executor.call(
        () -> {
          List<Executor.Observed> observed = cp.executor.observed();
          List<ServiceView> services = new ArrayList<>();
          for (String s : cp.state.services().keySet()) services.add(service(s, observed));
          return new ServicesResponse(
              services,
              EdgeTls.view(cp.state.certificates(), cp.config.clock().instant()),
              GitViews.onThread(cp).orElse(null));
        });
  }

  public ServiceView service(String name) {
    return cp.executor.call(
        () -> {
          known(name);
          return service(name, cp.executor.observed());
        });
  }

  public RevisionsResponse revisions(String name) {
    return cp.executor.call(
        () -> {
          known(name);
          return new RevisionsResponse(
              cp.state.revisions(name).stream().map(this::revision).toList());
        });
  }

  public RolloutsResponse rollouts() {
    return cp.executor.call(
        () -> {
          List<RolloutView> a = new ArrayList<>();
          for (String s : cp.state.services().keySet())
            cp.state.rollout(s).ifPresent(r -> a.add(rollout(r)));
          return new RolloutsResponse(a);
        });
  }

  public InstancesResponse instances() {
    return cp.executor.call(
        () -> new InstancesResponse(cp.executor.observed().stream().map(this::instance).toList()));
  }

  private void known(String name) {
    if (cp.state.service(name).isEmpty()) {
      throw new ServerException.NotFound(
          JournalServiceFilter.noSuchService(name, cp.state.services().keySet()));
    }
  }

  private ServiceView service(String name, List<Executor.Observed> observed) {
    ServerState.ServiceInfo info = cp.state.service(name).orElseThrow();
    Optional<Integer> live = cp.state.liveRevision(name);
    Optional<Revision> rev = live.flatMap(l -> cp.state.revision(name, l));
    long healthy =
        observed.stream()
            .filter(
                o ->
                    o.instance().service().equals(name)
                        && o.instance().isHealthy()
                        && live.map(l -> l == o.instance().revision()).orElse(false))
            .count();
    var r = rev.flatMap(x -> x.config().route()).orElse(RouteBuilder.DEFAULT_ROUTE);
    CertificateView tls =
        Optional.ofNullable(cp.state.certificates().get(name))
            .map(c -> EdgeTls.view(c, cp.config.clock().instant()))
            .orElse(null);
    Map<String, Integer> traffic = new LinkedHashMap<>();
    Traffic t = cp.state.traffic(name);
    t.weights().forEach((k, v) -> traffic.put(Integer.toString(k), v));
    return new ServiceView(
        name,
        rev.map(x -> x.image().toString()).orElse(null),
        live.orElse(null),
        cp.state.replicas(info.name()),
        healthy,
        StateCodec.strategyName(info.strategy()),
        new ServiceView.Route(r.host(), r.pathPrefix(), tls),
        traffic,
        cp.state.rollout(name).map(this::rollout).orElse(null),
        observed.stream()
            .filter(o -> o.instance().service().equals(name))
            .map(this::instance)
            .toList(),
        info.autoscale().map(a -> autoscale(name, a, observed)).orElse(null));
  }

  /**
   * An autoscaled service's count (instances running now), bounds, the scaler's target count and
   * rule, and the observed value of its metric: total and per instance.
   */
  private AutoscaleView autoscale(
      String name, dev.kiln.model.Autoscale a, List<Executor.Observed> observed) {
    long current =
        observed.stream()
            .filter(
                o ->
                    o.instance().service().equals(name)
                        && o.instance().phase() != dev.kiln.controller.ObservedInstance.Phase.EXITED
                        && !cp.executor.isLeaving(o))
            .count();
    Autoscaler scaler = cp.executor.autoscaler();
    Optional<Double> value =
        scaler
            .latest(name)
            .map(
                s ->
                    switch (a.target().metric()) {
                      case CONCURRENCY -> (double) s.inFlight();
                      case RPS -> s.requestsPerSecond();
                      case CPU -> s.cpuPercent();
                      case P99 -> s.p99Millis();
                    });
    boolean additive = a.target().metric() != dev.kiln.model.Autoscale.Metric.P99;
    return new AutoscaleView(
        current,
        a.min(),
        a.max(),
        a.target().metric().key,
        a.target().value(),
        cp.state.scaled(name).orElse(cp.state.replicas(name)),
        value.orElse(null),
        value.map(v -> additive && current > 0 ? v / current : v).orElse(null),
        scaler.last(name).map(d -> d.rule()).orElse(null));
  }

  /** What the scaler would do now, per autoscaled service (a preview: not part of the plan). */
  static List<ScalerPreview> scaler(
      java.util.Map<String, dev.kiln.controller.ScaleDecision> decisions) {
    List<ScalerPreview> out = new ArrayList<>();
    decisions.forEach(
        (service, d) ->
            out.add(new ScalerPreview(service, d.from(), d.desired(), d.rule(), d.inputs())));
    return out;
  }

  RevisionView revision(Revision r) {
    ServerState.RevisionMeta meta = cp.state.meta(r);
    return new RevisionView(
        r.service(),
        r.number(),
        r.image().toString(),
        r.contentDigest().toString(),
        meta.createdAt().toString(),
        meta.actor(),
        meta.cause(),
        r.config().fields());
  }

  RolloutView rollout(Rollout r) {
    int weight = cp.state.traffic(r.service()).weight(r.to());
    int steps = steps(r.strategy(), r.replicas());
    return new RolloutView(
        r.service() + "-r" + r.to(),
        r.service(),
        r.from(),
        r.to(),
        StateCodec.strategyName(r.strategy()),
        r.phase().name(),
        step(r.strategy(), r.step(), steps, weight, r.progressMark(), r.phase()),
        steps,
        weight,
        cp.state
            .rolloutStartedAt(r.service())
            .map(Object::toString)
            .orElse(r.lastProgressAt().toString()),
        r.lastProgressAt().plus(r.progressDeadline()).toString(),
        r.conditions().stream()
            .map(
                c ->
                    new ConditionView(
                        c.type(), c.status(), c.reason(), c.message(), c.at().toString()))
            .toList(),
        r.conditions().stream()
            .reduce((a, b) -> b.at().isAfter(a.at()) ? b : a)
            .map(Condition::message)
            .orElse(""),
        r.replicas(),
        r.fastTrack(),
        r.intent().abort()
            ? "abort"
            : r.intent().promote() ? "promote" : r.intent().pause() ? "pause" : "none");
  }

  /**
   * How many steps a rollout of this strategy has: canary steps, one switch, or one per instance.
   */
  static int steps(Strategy strategy, int replicas) {
    return switch (strategy) {
      case Strategy.Canary c -> c.steps().size();
      case Strategy.BlueGreen b -> 1;
      case Strategy.Rolling ro -> replicas;
    };
  }

  /**
   * The step a rollout is at, as {@code kiln status}, {@code kiln up} and {@code kiln apply} show
   * it ("step 2/3"). A canary counts its own steps. A rolling rollout has none of its own: it
   * replaces instances a batch at a time, and its progress mark is how many new ones have been
   * healthy at once (RollingStrategy), so a rollout that finished reads 3/3 and not 0/3 — and a
   * first deploy, whose single revision has all the traffic from the start, 0/3 until an instance
   * is healthy. A rollout that succeeded took all its steps, whatever came after it: a rolling
   * rollout of one instance scaled to three reads 3/3, not the 1/3 its mark holds.
   */
  static int step(
      Strategy strategy, int step, int steps, int weight, int progressMark, Rollout.Phase phase) {
    if (phase == Rollout.Phase.SUCCEEDED) return steps;
    return switch (strategy) {
      case Strategy.Canary c -> step;
      case Strategy.BlueGreen b -> Math.max(step, weight >= 100 ? 1 : 0);
      case Strategy.Rolling ro -> Math.min(steps, Math.max(0, progressMark));
    };
  }

  InstanceView instance(Executor.Observed o) {
    var s = o.running().status();
    return new InstanceView(
        o.instance().id(),
        o.instance().service(),
        o.instance().revision(),
        o.running().runtime(),
        s.running() ? "running" : "exited",
        // an instance a limit ended shows why where the health goes (kiln status: OOMKilled)
        s.running()
            ? o.instance().phase().name()
            : s.termination().map(Termination::label).orElse("EXITED"),
        s.termination().map(Termination::label).orElse(null),
        o.port(),
        // how it is isolated (kiln status says which mode is in use) and where it is reached
        s.detail().orElse(null),
        s.address(),
        s.pid().isPresent() ? s.pid().getAsLong() : null,
        s.startedAt().toString(),
        DriftViews.of(cp.state, o.instance().id()),
        s.spec().limits().limited() ? limits(s.spec().limits()) : null,
        s.usage().map(Views::usage).orElse(null));
  }

  static InstanceView.Limits limits(Resources r) {
    return new InstanceView.Limits(
        r.memoryBytes() > 0 ? r.memoryBytes() : null,
        r.cpuMillis() > 0 ? Double.parseDouble(Resources.cores(r.cpuMillis())) : null,
        r.pids() > 0 ? r.pids() : null);
  }

  static InstanceView.Usage usage(Usage u) {
    return new InstanceView.Usage(
        u.cpuNanos() / 1e9,
        u.memoryBytes(),
        u.memoryPeakBytes(),
        u.pids(),
        u.oomKills(),
        u.pidsRefused());
  }

  static PlanView plan(Plan plan, Digest blueprintDigest) {
    List<ChangeView> changes = new ArrayList<>();
    for (Change c : plan.changes()) {
      changes.add(
          switch (c) {
            case Change.Create cr ->
                change(c, "create", null, cr.revision().number(), replicas(0, cr.replicas()));
            case Change.Replace r ->
                new ChangeView(
                    c.service(),
                    "replace",
                    r.from().number(),
                    r.to().number(),
                    r.fromReplicas() != r.toReplicas()
                        ? replicas(r.fromReplicas(), r.toReplicas())
                        : null,
                    r.fields().stream()
                        .map(f -> new ChangeView.FieldChange(f.field(), f.from(), f.to()))
                        .toList());
            case Change.Scale sc ->
                change(
                    c,
                    "scale",
                    sc.revision().number(),
                    sc.revision().number(),
                    replicas(sc.from(), sc.to()));
            case Change.Remove rm ->
                change(c, "remove", rm.revision().number(), null, replicas(rm.replicas(), 0));
            case Change.NoChange nc ->
                change(c, "none", nc.revision().number(), nc.revision().number(), null);
          });
    }
    return new PlanView(
        changes,
        PlanRenderer.render(plan),
        !plan.isEmpty(),
        blueprintDigest.toString(),
        null,
        null);
  }

  private static ChangeView change(
      Change c,
      String action,
      @Nullable Integer from,
      @Nullable Integer to,
      ChangeView.@Nullable ReplicaChange replicas) {
    return new ChangeView(c.service(), action, from, to, replicas, List.of());
  }

  private static ChangeView.ReplicaChange replicas(int from, int to) {
    return new ChangeView.ReplicaChange(from, to);
  }

  static JournalEntry entry(dev.kiln.journal.Entry e) {
    Object body;
    try {
      body = Json.parse(e.body());
    } catch (ServerException ex) {
      body = e.body();
    }
    return new JournalEntry(
        e.seq(),
        e.time().toString(),
        e.actor(),
        e.kind(),
        e.subject(),
        e.cause(),
        body,
        e.hash().toString(),
        e.prevHash().toString());
  }

  /** The block `kiln up` prints every second. */
  public String statusText() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-12s %-5s %-9s %-11s %-30s%n", "SERVICE", "REV", "HEALTHY", "STRATEGY", "ROLLOUT"));
    for (ServiceView s : services().services()) {
      RolloutView r = s.rollout();
      String rollout =
          r == null
              ? "-"
              : r.phase()
                  + " "
                  + r.from()
                  + "->"
                  + r.to()
                  + " step "
                  + r.step()
                  + "/"
                  + r.steps()
                  + " ("
                  + r.canaryWeight()
                  + "% new)";
      out.append(
          String.format(
              "%-12s %-5s %-9s %-11s %-30s%n",
              s.name(),
              s.liveRevision() == null ? "-" : s.liveRevision().toString(),
              s.healthy() + "/" + s.replicas(),
              s.strategy(),
              rollout));
      for (InstanceView i : s.instances()) {
        out.append(
            String.format(
                "  %-24s rev %-3d %-8s %-10s port %d%n",
                i.id(), i.revision(), i.state(), i.health(), i.port()));
      }
    }
    return out.toString();
  }
}
