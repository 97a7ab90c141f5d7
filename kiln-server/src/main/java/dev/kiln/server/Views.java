package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.List;
import java.util.Optional;

/**
 * The API's JSON shapes (see api-contract.md and openapi.yaml), read from the state on the executor
 * thread so a response never sees half an update.
 */
public final class Views {
  private final ControlPlane cp;

  Views(ControlPlane cp) {
    this.cp = cp;
  }

  public ObjectNode services() {
    return cp.executor.call(
        () -> {
          List<Executor.Observed> observed = cp.executor.observed();
          ObjectNode n = Json.object();
          ArrayNode a = n.putArray("services");
          for (String s : cp.state.services().keySet()) a.add(service(s, observed));
          n.set("certificates", EdgeTls.view(cp.state.certificates(), cp.config.clock().instant()));
          GitViews.onThread(cp).ifPresent(g -> n.set("git", g));
          return n;
        });
  }

  public ObjectNode service(String name) {
    return cp.executor.call(
        () -> {
          known(name);
          return service(name, cp.executor.observed());
        });
  }

  public ObjectNode revisions(String name) {
    return cp.executor.call(
        () -> {
          known(name);
          ObjectNode n = Json.object();
          ArrayNode a = n.putArray("revisions");
          cp.state.revisions(name).forEach(r -> a.add(revision(r)));
          return n;
        });
  }

  public ObjectNode rollouts() {
    return cp.executor.call(
        () -> {
          ObjectNode n = Json.object();
          ArrayNode a = n.putArray("rollouts");
          for (String s : cp.state.services().keySet())
            cp.state.rollout(s).ifPresent(r -> a.add(rollout(r)));
          return n;
        });
  }

  public ObjectNode instances() {
    return cp.executor.call(
        () -> {
          ObjectNode n = Json.object();
          ArrayNode a = n.putArray("instances");
          cp.executor.observed().forEach(o -> a.add(instance(o)));
          return n;
        });
  }

  private void known(String name) {
    if (cp.state.service(name).isEmpty()) {
      throw new ServerException.NotFound(
          "no service named " + name + "; known: " + cp.state.services().keySet());
    }
  }

  private ObjectNode service(String name, List<Executor.Observed> observed) {
    ServerState.ServiceInfo info = cp.state.service(name).orElseThrow();
    ObjectNode n = Json.object();
    n.put("name", name);
    Optional<Integer> live = cp.state.liveRevision(name);
    Optional<Revision> rev = live.flatMap(l -> cp.state.revision(name, l));
    rev.ifPresentOrElse(r -> n.put("image", r.image().toString()), () -> n.putNull("image"));
    live.ifPresentOrElse(l -> n.put("liveRevision", l), () -> n.putNull("liveRevision"));
    n.put("replicas", cp.state.replicas(info.name()));
    n.put(
        "healthy",
        observed.stream()
            .filter(
                o ->
                    o.instance().service().equals(name)
                        && o.instance().isHealthy()
                        && live.map(l -> l == o.instance().revision()).orElse(false))
            .count());
    n.put("strategy", StateCodec.strategyName(info.strategy()));
    ObjectNode route = n.putObject("route");
    var r = rev.flatMap(x -> x.config().route()).orElse(RouteBuilder.DEFAULT_ROUTE);
    route.put("host", r.host());
    route.put("path", r.pathPrefix());
    Optional.ofNullable(cp.state.certificates().get(name))
        .ifPresent(c -> route.set("tls", EdgeTls.view(c, cp.config.clock().instant())));
    ObjectNode traffic = n.putObject("traffic");
    Traffic t = cp.state.traffic(name);
    t.weights().forEach((k, v) -> traffic.put(Integer.toString(k), v));
    cp.state
        .rollout(name)
        .ifPresentOrElse(ro -> n.set("rollout", rollout(ro)), () -> n.putNull("rollout"));
    ArrayNode instances = n.putArray("instances");
    observed.stream()
        .filter(o -> o.instance().service().equals(name))
        .forEach(o -> instances.add(instance(o)));
    info.autoscale().ifPresent(a -> n.set("autoscale", autoscale(name, a, observed)));
    return n;
  }

  /**
   * An autoscaled service's count (instances running now), bounds, the scaler's target count and
   * rule, and the observed value of its metric: total and per instance.
   */
  private ObjectNode autoscale(
      String name, dev.kiln.model.Autoscale a, List<Executor.Observed> observed) {
    ObjectNode n = Json.object();
    long current =
        observed.stream()
            .filter(
                o ->
                    o.instance().service().equals(name)
                        && o.instance().phase() != dev.kiln.controller.ObservedInstance.Phase.EXITED
                        && !cp.executor.isLeaving(o))
            .count();
    n.put("current", current);
    n.put("min", a.min());
    n.put("max", a.max());
    n.put("metric", a.target().metric().key);
    n.put("target", a.target().value());
    n.put("desired", cp.state.scaled(name).orElse(cp.state.replicas(name)));
    Autoscaler scaler = cp.executor.autoscaler();
    scaler
        .latest(name)
        .ifPresent(
            s -> {
              double v =
                  switch (a.target().metric()) {
                    case CONCURRENCY -> s.inFlight();
                    case RPS -> s.requestsPerSecond();
                    case CPU -> s.cpuPercent();
                    case P99 -> s.p99Millis();
                  };
              n.put("observed", v);
              boolean additive = a.target().metric() != dev.kiln.model.Autoscale.Metric.P99;
              n.put("observedPerInstance", additive && current > 0 ? v / current : v);
            });
    scaler.last(name).ifPresent(d -> n.put("rule", d.rule()));
    return n;
  }

  /** What the scaler would do now, per autoscaled service (a preview: not part of the plan). */
  static ArrayNode scaler(java.util.Map<String, dev.kiln.controller.ScaleDecision> decisions) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    decisions.forEach(
        (service, d) -> {
          ObjectNode n = a.addObject();
          n.put("service", service);
          n.put("from", d.from());
          n.put("desired", d.desired());
          n.put("rule", d.rule());
          ObjectNode in = n.putObject("inputs");
          d.inputs().forEach(in::put);
        });
    return a;
  }

  ObjectNode revision(Revision r) {
    ServerState.RevisionMeta meta = cp.state.meta(r);
    ObjectNode n = Json.object();
    n.put("service", r.service());
    n.put("number", r.number());
    n.put("image", r.image().toString());
    n.put("contentDigest", r.contentDigest().toString());
    n.put("createdAt", meta.createdAt().toString());
    n.put("actor", meta.actor());
    n.put("cause", meta.cause());
    ObjectNode config = n.putObject("config");
    r.config().fields().forEach(config::put);
    return n;
  }

  ObjectNode rollout(Rollout r) {
    ObjectNode n = Json.object();
    n.put("id", r.service() + "-r" + r.to());
    n.put("service", r.service());
    n.put("from", r.from());
    n.put("to", r.to());
    n.put("strategy", StateCodec.strategyName(r.strategy()));
    n.put("phase", r.phase().name());
    n.put("step", r.step());
    int steps =
        switch (r.strategy()) {
          case Strategy.Canary c -> c.steps().size();
          case Strategy.BlueGreen b -> 1;
          case Strategy.Rolling ro -> r.replicas();
        };
    n.put("steps", steps);
    int weight = cp.state.traffic(r.service()).weight(r.to());
    n.put("canaryWeight", weight);
    n.put(
        "startedAt",
        cp.state
            .rolloutStartedAt(r.service())
            .map(Object::toString)
            .orElse(r.lastProgressAt().toString()));
    n.put("deadline", r.lastProgressAt().plus(r.progressDeadline()).toString());
    n.set("conditions", StateCodec.conditions(r.conditions()));
    n.put(
        "message",
        r.conditions().stream()
            .reduce((a, b) -> b.at().isAfter(a.at()) ? b : a)
            .map(Condition::message)
            .orElse(""));
    n.put("replicas", r.replicas());
    n.put("fastTrack", r.fastTrack());
    n.put(
        "intent",
        r.intent().abort()
            ? "abort"
            : r.intent().promote() ? "promote" : r.intent().pause() ? "pause" : "none");
    return n;
  }

  ObjectNode instance(Executor.Observed o) {
    ObjectNode n = Json.object();
    var s = o.running().status();
    n.put("id", o.instance().id());
    n.put("service", o.instance().service());
    n.put("revision", o.instance().revision());
    n.put("runtime", o.running().runtime());
    n.put("state", s.running() ? "running" : "exited");
    // an instance a limit ended shows why where the health goes (kiln status: OOMKilled)
    n.put(
        "health",
        s.running()
            ? o.instance().phase().name()
            : s.termination().map(Termination::label).orElse("EXITED"));
    s.termination().ifPresent(t -> n.put("termination", t.label()));
    n.put("port", o.port());
    // how it is isolated (kiln status says which mode is in use) and where it is reached
    s.detail().ifPresent(d -> n.put("isolation", d));
    n.put("address", s.address());
    s.pid().ifPresentOrElse(p -> n.put("pid", p), () -> n.putNull("pid"));
    n.put("startedAt", s.startedAt().toString());
    n.put("drift", DriftViews.of(cp.state, o.instance().id()));
    if (s.spec().limits().limited()) n.set("limits", limits(s.spec().limits()));
    s.usage().ifPresent(u -> n.set("usage", usage(u)));
    return n;
  }

  static ObjectNode limits(Resources r) {
    ObjectNode n = Json.object();
    if (r.memoryBytes() > 0) n.put("memoryBytes", r.memoryBytes());
    if (r.cpuMillis() > 0) n.put("cpu", Double.parseDouble(Resources.cores(r.cpuMillis())));
    if (r.pids() > 0) n.put("pids", r.pids());
    return n;
  }

  static ObjectNode usage(Usage u) {
    ObjectNode n = Json.object();
    n.put("cpuSeconds", u.cpuNanos() / 1e9);
    n.put("memoryBytes", u.memoryBytes());
    n.put("memoryPeakBytes", u.memoryPeakBytes());
    n.put("pids", u.pids());
    n.put("oomKills", u.oomKills());
    n.put("refusedForks", u.pidsRefused());
    return n;
  }

  static ObjectNode plan(Plan plan, Digest blueprintDigest) {
    ObjectNode n = Json.object();
    ArrayNode a = n.putArray("changes");
    for (Change c : plan.changes()) {
      ObjectNode cn = a.addObject();
      cn.put("service", c.service());
      ArrayNode fields = Json.array();
      switch (c) {
        case Change.Create cr -> {
          cn.put("action", "create");
          cn.putNull("fromRevision");
          cn.put("toRevision", cr.revision().number());
          replicas(cn, 0, cr.replicas());
        }
        case Change.Replace r -> {
          cn.put("action", "replace");
          cn.put("fromRevision", r.from().number());
          cn.put("toRevision", r.to().number());
          for (Change.FieldChange f : r.fields()) {
            ObjectNode fn = fields.addObject();
            fn.put("name", f.field());
            fn.put("from", f.from());
            fn.put("to", f.to());
          }
          if (r.fromReplicas() != r.toReplicas()) replicas(cn, r.fromReplicas(), r.toReplicas());
          else cn.putNull("replicas");
        }
        case Change.Scale s -> {
          cn.put("action", "scale");
          cn.put("fromRevision", s.revision().number());
          cn.put("toRevision", s.revision().number());
          replicas(cn, s.from(), s.to());
        }
        case Change.Remove rm -> {
          cn.put("action", "remove");
          cn.put("fromRevision", rm.revision().number());
          cn.putNull("toRevision");
          replicas(cn, rm.replicas(), 0);
        }
        case Change.NoChange nc -> {
          cn.put("action", "none");
          cn.put("fromRevision", nc.revision().number());
          cn.put("toRevision", nc.revision().number());
          cn.putNull("replicas");
        }
      }
      cn.set("fields", fields);
    }
    n.put("text", PlanRenderer.render(plan));
    n.put("hasChanges", !plan.isEmpty());
    n.put("blueprintDigest", blueprintDigest.toString());
    return n;
  }

  private static void replicas(ObjectNode cn, int from, int to) {
    ObjectNode r = cn.putObject("replicas");
    r.put("from", from);
    r.put("to", to);
  }

  static ObjectNode entry(dev.kiln.journal.Entry e) {
    ObjectNode n = Json.object();
    n.put("seq", e.seq());
    n.put("time", e.time().toString());
    n.put("actor", e.actor());
    n.put("kind", e.kind());
    n.put("subject", e.subject());
    n.put("cause", e.cause());
    JsonNode body;
    try {
      body = Json.parse(e.body());
    } catch (ServerException ex) {
      body = Json.MAPPER.getNodeFactory().textNode(e.body());
    }
    n.set("body", body);
    n.put("hash", e.hash().toString());
    n.put("prevHash", e.prevHash().toString());
    return n;
  }

  /** The block `kiln up` prints every second. */
  public String statusText() {
    ObjectNode all = services();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-12s %-5s %-9s %-11s %-30s%n", "SERVICE", "REV", "HEALTHY", "STRATEGY", "ROLLOUT"));
    for (JsonNode s : all.get("services")) {
      JsonNode r = s.get("rollout");
      String rollout =
          r == null || r.isNull()
              ? "-"
              : r.get("phase").asText()
                  + " "
                  + r.get("from").asInt()
                  + "->"
                  + r.get("to").asInt()
                  + " step "
                  + r.get("step").asInt()
                  + "/"
                  + r.get("steps").asInt()
                  + " ("
                  + r.get("canaryWeight").asInt()
                  + "% new)";
      out.append(
          String.format(
              "%-12s %-5s %-9s %-11s %-30s%n",
              s.get("name").asText(),
              s.get("liveRevision").asText("-"),
              s.get("healthy").asInt() + "/" + s.get("replicas").asInt(),
              s.get("strategy").asText(),
              rollout));
      for (JsonNode i : s.get("instances")) {
        out.append(
            String.format(
                "  %-24s rev %-3d %-8s %-10s port %d%n",
                i.get("id").asText(),
                i.get("revision").asInt(),
                i.get("state").asText(),
                i.get("health").asText(),
                i.get("port").asInt()));
      }
    }
    return out.toString();
  }
}
