package dev.kiln.server;

import dev.kiln.api.EnvironmentDiff;
import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.PromoteRequest;
import dev.kiln.api.PromoteResponse;
import dev.kiln.api.PromotionVerdict;
import dev.kiln.controller.PromotionDecision;
import dev.kiln.controller.Revision;
import dev.kiln.model.Environment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The environments' endpoints (issue 15):
 *
 * <ul>
 *   <li>{@code GET /v1/environments}: each declared environment, its router and promotion, and per
 *       service the live revision, digest and health there ({@code kiln env list});
 *   <li>{@code GET /v1/environments/diff?a=staging&b=production}: what differs ({@code kiln env
 *       diff});
 *   <li>{@code POST /v1/environments/NAME/plan|apply}: the body of {@code /v1/plan|apply}, for that
 *       environment ({@code kiln plan|apply --env NAME});
 *   <li>{@code POST /v1/environments/promote} with {@code {"service", "from", "to"}} ({@code kiln
 *       env promote}); a refusal is a 409 with the reason. With {@code "dryRun": true} the verdict
 *       and its evidence, journaling and rolling nothing ({@code --dry-run}).
 * </ul>
 */
final class EnvironmentApi {
  private static final Pattern ENV_VERB =
      Pattern.compile("/v1/environments/([a-z0-9][a-z0-9-]*)/(plan|apply)");

  private EnvironmentApi() {}

  static boolean handles(String path) {
    return path.equals("/v1/environments") || path.startsWith("/v1/environments/");
  }

  static ApiResponse route(
      ControlPlane cp, ApiRequest ex, String method, String path, String actor) {
    Map<String, String> query = query(ex.uri().getRawQuery());
    if (method.equals("GET") && path.equals("/v1/environments"))
      return ApiResponse.json(200, cp.executor.call(() -> list(cp)));
    if (method.equals("GET") && path.equals("/v1/environments/diff")) {
      String a = required(query, "a");
      String b = required(query, "b");
      return ApiResponse.json(200, cp.executor.call(() -> diff(cp, a, b)));
    }
    if (method.equals("POST") && path.equals("/v1/environments/promote")) {
      PromoteRequest body =
          RequestBodies.read(
              RequestBodies.json(ex), PromoteRequest.class, EnvironmentApi::promoteNeeds);
      String service = text(body.service(), "service");
      String from = text(body.from(), "from");
      String to = text(body.to(), "to");
      if (Boolean.TRUE.equals(body.dryRun())) {
        // kiln env promote --dry-run: the verdict and its evidence; nothing journaled, nothing
        // rolled
        return ApiResponse.json(
            200,
            PromoteResponse.dryRun(
                verdict(
                    cp.executor.call(() -> cp.applier.promotions().preview(service, from, to)))));
      }
      // the target's router first, as for an apply: its instances are routed nowhere else
      cp.executor
          .call(() -> Optional.ofNullable(cp.state.environments().get(to)))
          .ifPresent(d -> cp.routers.ensure(to, d.router()));
      Promotions.Promoted p =
          cp.executor.call(() -> cp.promotions.promote(service, from, to, actor));
      Views v = cp.views();
      return ApiResponse.json(
          200,
          PromoteResponse.promoted(
              // the env-promoted entry's body, as the journal holds it
              promoted(p.promoted()),
              Views.plan(p.applied().plan(), p.applied().blueprint().digest()),
              cp.executor.call(() -> p.applied().rollouts().stream().map(v::rollout).toList())));
    }
    Matcher m = ENV_VERB.matcher(path);
    if (method.equals("POST") && m.matches()) {
      Optional<String> env = Optional.of(m.group(1));
      Submission submission = Submission.fromJson(RequestBodies.json(ex));
      if (m.group(2).equals("plan")) {
        var gated = cp.applier.planGated(submission, env);
        var planned = gated.applied();
        // the environment plan: the plan's fields and, beside them, the promotion gate's verdicts
        return ApiResponse.json(
            200,
            Views.plan(planned.plan(), planned.blueprint().digest())
                .withPromotionGate(gated.gate().stream().map(EnvironmentApi::verdict).toList()));
      }
      var applied = cp.applyTo(submission, actor, env);
      Views v = cp.views();
      return ApiResponse.json(
          200,
          new dev.kiln.api.ApplyResponse(
              Views.plan(applied.plan(), applied.blueprint().digest()),
              cp.executor.call(() -> applied.rollouts().stream().map(v::rollout).toList()),
              EdgeTls.changesView(applied.certificates())));
    }
    return ApiResponse.error(
        404, "no such endpoint: " + method + " " + path + "; see GET /v1/openapi.yaml");
  }

  /** The env-promoted entry's body as the journal holds it (EnvironmentCodec writes the same). */
  private static PromoteResponse.Promoted promoted(JournalEvent.EnvPromoted e) {
    return new PromoteResponse.Promoted(
        e.service(),
        e.from(),
        e.to(),
        e.revision(),
        e.digest().toString(),
        e.soakStart().toString(),
        e.soak().toString(),
        e.evidence(),
        e.via());
  }

  /** Runs on the executor thread. */
  private static EnvironmentsResponse list(ControlPlane cp) {
    List<EnvironmentView> envs = new ArrayList<>();
    cp.state
        .environments()
        .forEach(
            (name, d) -> {
              List<EnvironmentView.Service> services = new ArrayList<>();
              for (String s : d.services().keySet()) {
                // the gate's verdict now for the revision live in the source (eligible at TIME)
                PromotionVerdict gate =
                    d.promotionFrom()
                        .filter(f -> declares(cp, f, s))
                        .map(f -> verdict(cp.applier.promotions().preview(s, f, name)))
                        .orElse(null);
                services.add(live(cp, name, s, gate));
              }
              envs.add(
                  new EnvironmentView(
                      name,
                      d.router(),
                      listening(d.router(), cp.routers.addressOf(name), cp.data.address())
                          .orElse(null),
                      d.promotionFrom()
                          .map(f -> new EnvironmentView.Promotion(f, d.soak().toString()))
                          .orElse(null),
                      services));
            });
    return new EnvironmentsResponse(envs);
  }

  /**
   * Where an environment's router listens now: its own router's address, or the server's own when
   * it is declared on that address; none before its first apply or promotion starts its router. The
   * server's address for any environment (as before) named the default environment's router, which
   * serves other services, for one that served nothing yet.
   */
  static Optional<String> listening(String declared, Optional<String> own, String main) {
    if (own.isPresent()) return own;
    return ServerConfig.address(declared).equals(ServerConfig.address(main))
        ? Optional.of(main)
        : Optional.empty();
  }

  private static boolean declares(ControlPlane cp, String env, String service) {
    var d = cp.state.environments().get(env);
    return d != null && d.services().containsKey(service);
  }

  /**
   * A verdict as {@code kiln plan --env}, {@code env promote --dry-run} and {@code env list} show
   * it: eligible or refused, the reason, the revision and digest, when it becomes eligible.
   */
  static PromotionVerdict verdict(Promotions.Judged j) {
    List<String> evidence = j.verdict().evidence();
    String soak = j.soak().toString();
    return switch (j.verdict()) {
      case PromotionDecision.Eligible e ->
          new PromotionVerdict(
              j.service(),
              j.from(),
              j.to(),
              soak,
              "eligible",
              null,
              e.revision(),
              e.digest().toString(),
              e.soakStart().plus(j.soak()).toString(),
              evidence);
      case PromotionDecision.Refused r ->
          new PromotionVerdict(
              j.service(),
              j.from(),
              j.to(),
              soak,
              "refused",
              r.reason(),
              r.revision().orElse(null),
              r.digest().map(Object::toString).orElse(null),
              r.eligibleAt().map(Object::toString).orElse(null),
              evidence);
    };
  }

  private static EnvironmentView.Service live(
      ControlPlane cp, String env, String service, @Nullable PromotionVerdict gate) {
    String q = Environment.qualify(env, service);
    Optional<Integer> live = cp.state.liveRevision(q);
    Optional<Revision> rev = live.flatMap(l -> cp.state.revision(q, l));
    long healthy =
        cp.executor.observed().stream()
            .filter(
                o ->
                    o.instance().service().equals(q)
                        && o.instance().isHealthy()
                        && live.map(l -> l == o.instance().revision()).orElse(false))
            .count();
    return new EnvironmentView.Service(
        service,
        q,
        live.orElse(null),
        rev.map(r -> r.image().toString()).orElse(null),
        cp.state.replicas(q),
        healthy,
        gate);
  }

  /** An environment's side of a diff: the service as it runs there, without a gate verdict. */
  private static EnvironmentDiff.Side side(ControlPlane cp, String env, String service) {
    EnvironmentView.Service s = live(cp, env, service, null);
    return new EnvironmentDiff.Side(
        s.name(), s.subject(), s.liveRevision(), s.image(), s.replicas(), s.healthy());
  }

  /** Runs on the executor thread: per service, live revision and digest, then config and count. */
  private static EnvironmentDiff diff(ControlPlane cp, String a, String b) {
    var envs = cp.state.environments();
    for (String e : List.of(a, b)) {
      if (!envs.containsKey(e)) {
        throw new ServerException.NotFound(
            "no environment '" + e + "'; known: " + String.join(", ", envs.keySet()));
      }
    }
    // both checked just above
    var da = Objects.requireNonNull(envs.get(a));
    var db = Objects.requireNonNull(envs.get(b));
    TreeSet<String> names = new TreeSet<>(da.services().keySet());
    names.addAll(db.services().keySet());
    List<EnvironmentDiff.Service> services = new ArrayList<>();
    for (String svc : names) {
      EnvironmentDiff.Side la = side(cp, a, svc);
      EnvironmentDiff.Side lb = side(cp, b, svc);
      boolean sameImage = la.image() != null && la.image().equals(lb.image());
      services.add(
          new EnvironmentDiff.Service(
              svc, la, lb, sameImage, differs(da.services().get(svc), db.services().get(svc))));
    }
    return new EnvironmentDiff(a, b, services);
  }

  /** The fields whose values differ between a service's two environments. */
  private static List<EnvironmentDiff.Difference> differs(
      JournalEvent.@Nullable EnvironmentService sa, JournalEvent.@Nullable EnvironmentService sb) {
    List<EnvironmentDiff.Difference> out = new ArrayList<>();
    if (sa == null || sb == null) {
      out.add(
          new EnvironmentDiff.Difference(
              "declared", String.valueOf(sa != null), String.valueOf(sb != null)));
      return out;
    }
    field(out, "replicas", sa.applied().replicas(), sb.applied().replicas());
    field(
        out,
        "strategy",
        StateCodec.strategyName(sa.applied().strategy()),
        StateCodec.strategyName(sb.applied().strategy()));
    field(
        out,
        "autoscale",
        sa.applied().autoscale().map(Object::toString).orElse("-"),
        sb.applied().autoscale().map(Object::toString).orElse("-"));
    var fa = sa.config().fields();
    var fb = sb.config().fields();
    TreeSet<String> keys = new TreeSet<>(fa.keySet());
    keys.addAll(fb.keySet());
    for (String k : keys) field(out, k, fa.getOrDefault(k, "-"), fb.getOrDefault(k, "-"));
    return out;
  }

  private static void field(
      List<EnvironmentDiff.Difference> out, String field, Object va, Object vb) {
    if (!va.equals(vb))
      out.add(new EnvironmentDiff.Difference(field, va.toString(), vb.toString()));
  }

  private static String text(@Nullable String value, String field) {
    if (value == null || value.isBlank()) throw new ServerException(promoteNeeds(field));
    return value;
  }

  private static String promoteNeeds(String field) {
    return "the request needs {\"service\": \"web\", \"from\": \"staging\", \"to\": \"production\"}"
        + " (missing \""
        + field
        + "\")";
  }

  private static String required(Map<String, String> query, String name) {
    String v = query.get(name);
    if (v == null || v.isBlank())
      throw new ServerException("name both environments: ?a=staging&b=production");
    return v;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new java.util.HashMap<>();
    if (raw == null) return out;
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) continue;
      out.put(
          java.net.URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
