package dev.kiln.server;

import dev.kiln.api.ApiError;
import dev.kiln.api.ApplyResponse;
import dev.kiln.api.AuditVerifyResponse;
import dev.kiln.api.ExecRequest;
import dev.kiln.api.ExecResponse;
import dev.kiln.api.Health;
import dev.kiln.api.InstanceView;
import dev.kiln.api.JournalResponse;
import dev.kiln.api.PatchesResponse;
import dev.kiln.api.PlanView;
import dev.kiln.api.PolicyExceptionResponse;
import dev.kiln.api.RollbackRequest;
import dev.kiln.api.RollbackResponse;
import dev.kiln.blueprint.BlueprintException;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Query;
import dev.kiln.journal.VerifyReport;
import dev.kiln.model.KilnException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST API ({@code /v1/...}, JSON; documented in {@code openapi.yaml}, served at {@code
 * /v1/openapi.yaml}) and {@code /metrics}, behind {@link ApiListeners}: the unix socket (the peer's
 * uid is the principal) and a TCP address (the bearer token is). Requests are small and rare, and
 * every state read or change is handed to the executor thread anyway.
 */
final class ApiServer implements AutoCloseable {
  interface Factory {
    ApiServer start(ControlPlane cp);
  }

  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
  private static final Pattern SERVICE =
      Pattern.compile(
          "/v1/services/([a-z0-9][a-z0-9-]*)(?:/(revisions|promote|pause|resume|abort|rollback))?");
  private static final int MAX_LABEL = 64;

  private final ControlPlane cp;
  private final ApiListeners listeners;
  private final Dashboard dashboard;

  // Listens last: handle() reads only cp and dashboard, both set before the first request.
  private ApiServer(ControlPlane cp) {
    this.cp = cp;
    // A warm rollback is one table swap (issue 8: under 10 ms); Jackson's first look at its body
    // and answer records would cost more than that, so it is taken here, before the first one.
    RequestBodies.prepare(RollbackRequest.class);
    Json.MAPPER.writerFor(RollbackResponse.class); // the writer fetches and caches its serializer
    UiSessions sessions = new UiSessions(cp.home().resolve("ui-sessions.json"), cp.config.clock());
    this.dashboard = new Dashboard(cp, sessions, Duration.ofSeconds(15));
    try {
      this.listeners =
          ApiListeners.start(
              cp.config.api(),
              cp.home(),
              ApiToken.load(cp.home().resolve("api-token")),
              Optional.of(sessions),
              this::handle);
    } catch (RuntimeException e) {
      dashboard.close();
      throw e;
    }
  }

  static ApiServer start(ControlPlane cp) {
    return new ApiServer(cp);
  }

  String address() {
    InetSocketAddress a = listeners.tcpAddress();
    String host = a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  Path socket() {
    return listeners.socketPath();
  }

  /**
   * The journal's actor: the authenticated principal, then whatever the caller calls itself ({@code
   * X-Kiln-Actor}) as a label that can never be mistaken for it: {@code uid:0(root)
   * label=ci-pipeline}.
   */
  static String actor(String principal, java.util.Optional<String> claimed) {
    String label =
        claimed
            .map(String::strip)
            .map(l -> l.replaceAll("[^A-Za-z0-9@._:+-]", "_"))
            .map(l -> l.length() > MAX_LABEL ? l.substring(0, MAX_LABEL) : l)
            .orElse("");
    return label.isEmpty() ? principal : principal + " label=" + label;
  }

  private ApiReply handle(ApiRequest ex) {
    try {
      // the dashboard's page, login, event stream and charts (issue 16)
      String p = ex.uri().getPath();
      Optional<ApiReply> ui =
          dashboard.route(
              ex,
              ex.method().toUpperCase(Locale.ROOT),
              p.length() > 1 && p.endsWith("/") && !p.equals("/ui/")
                  ? p.substring(0, p.length() - 1)
                  : p,
              query(ex.uri().getRawQuery()));
      if (ui.isPresent()) return ui.get();
      return route(ex, actor(ex.principal(), ex.header("X-Kiln-Actor")));
    } catch (BlueprintException e) {
      return ApiResponse.json(
          400, new ApiError(e.getMessage(), e.problems().stream().map(Object::toString).toList()));
    } catch (ServerException e) {
      return ApiResponse.error(ErrorStatus.statusOf(e), message(e));
    } catch (KilnException | IllegalArgumentException e) {
      return ApiResponse.error(ErrorStatus.statusOf(e), message(e));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "API " + ex.method() + " " + ex.uri().getPath() + " failed", e);
      return ApiResponse.error(500, "internal error: " + e + "; see the server log");
    }
  }

  private ApiResponse route(ApiRequest ex, String actor) throws IOException {
    String method = ex.method().toUpperCase(Locale.ROOT);
    String path = ex.uri().getPath();
    if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
    Map<String, String> query = query(ex.uri().getRawQuery());
    return switch (method + " " + path) {
      case "GET /v1/health" -> {
        yield ApiResponse.json(
            200,
            new Health(
                "ok",
                ServerConfig.VERSION,
                cp.home().toString(),
                cp.routerAddress(),
                cp.apiAddress(),
                socket().toString(),
                cp.key.keyId()));
      }
      case "POST /v1/plan" -> {
        var planned = cp.applier.plan(Submission.fromJson(RequestBodies.json(ex)));
        PlanView p =
            Views.plan(planned.plan(), planned.blueprint().digest())
                .withScaler(Views.scaler(cp.executor.call(cp.executor::scalePreview)));
        yield ApiResponse.json(200, p);
      }
      case "POST /v1/apply" -> {
        var applied = cp.applier.apply(Submission.fromJson(RequestBodies.json(ex)), actor);
        Views v = cp.views();
        yield ApiResponse.json(
            200,
            new ApplyResponse(
                Views.plan(applied.plan(), applied.blueprint().digest()),
                cp.executor.call(() -> applied.rollouts().stream().map(v::rollout).toList()),
                EdgeTls.changesView(applied.certificates())));
      }
      case "POST /v1/patches" -> {
        List<JournalEvent.PatchStarted> patches = Patches.parse(RequestBodies.json(ex), cp.state);
        List<Long> seqs = new java.util.ArrayList<>();
        for (JournalEvent.PatchStarted p : patches)
          seqs.add(
              cp.rec.append(actor, "kiln patch: " + String.join(", ", p.advisories()), p).seq());
        yield ApiResponse.json(200, new PatchesResponse(seqs));
      }
      case "POST /v1/policy/exceptions" -> {
        JournalEvent.PolicyException allow =
            PolicyExceptions.parse(RequestBodies.json(ex), cp.config.clock());
        long seq = cp.executor.call(() -> cp.rec.append(actor, allow.reason(), allow).seq());
        yield ApiResponse.json(
            200, new PolicyExceptionResponse(seq, allow.advisory(), allow.until().toString()));
      }
      case "GET /v1/services" -> ApiResponse.json(200, cp.views().services());
      case "GET /v1/rollouts" -> ApiResponse.json(200, cp.views().rollouts());
      case "GET /v1/instances" -> ApiResponse.json(200, cp.views().instances());
      case "GET /v1/journal" -> ApiResponse.json(200, journal(query));
      case "GET /v1/drift" ->
          ApiResponse.json(
              200,
              cp.executor.call(
                  () -> DriftViews.verdicts(cp.state, Optional.ofNullable(query.get("service")))));
      case "GET /v1/audit/verify" -> ApiResponse.json(200, verify());
      case "GET /v1/audit/export" -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cp.rec.journal().exportJsonLines(out);
        yield new ApiResponse(200, "application/x-ndjson", out.toByteArray());
      }
      case "POST /v1/snapshots" ->
          ApiResponse.json(200, Snapshots.post(cp, RequestBodies.json(ex), actor));
      case "POST /v1/hooks/git" -> ApiResponse.json(202, GitViews.hook(cp));
      case "GET /v1/git" -> ApiResponse.json(200, GitViews.status(cp));
      case "GET /v1/openapi.yaml" -> {
        try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
          yield new ApiResponse(200, "application/yaml", in.readAllBytes());
        }
      }
      case "GET /metrics" ->
          new ApiResponse(
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              (cp.allRouters().prometheus() + controlPlaneMetrics())
                  .getBytes(StandardCharsets.UTF_8));
      default ->
          method.equals("POST") && EXEC.matcher(path).matches()
              ? exec(ex, EXEC.matcher(path).replaceFirst("$1"), actor)
              : EnvironmentApi.handles(path)
                  ? EnvironmentApi.route(cp, ex, method, path, actor)
                  : service(ex, method, path, actor);
    };
  }

  private static final Pattern EXEC = Pattern.compile("/v1/instances/([a-z0-9][a-z0-9-]*)/exec");

  /** {@code kiln exec}: body {@code {"command": [...]}}; the instance is replaced afterwards. */
  private ApiResponse exec(ApiRequest ex, String instance, String actor) {
    List<String> command =
        RequestBodies.read(
                RequestBodies.json(ex),
                ExecRequest.class,
                field ->
                    field + ": the command must be a list of strings (argv), like [\"ls\", \"-l\"]")
            .command();
    var done =
        new BreakGlass(cp.state, cp.rec, cp.executor, cp.fleet).exec(instance, command, actor);
    return ApiResponse.json(
        200, new ExecResponse(done.instance(), done.exitCode(), done.output(), true));
  }

  private ApiResponse service(ApiRequest ex, String method, String path, String actor) {
    Matcher m = SERVICE.matcher(path);
    if (!m.matches()) {
      return ApiResponse.error(
          404, "no such endpoint: " + method + " " + path + "; see GET /v1/openapi.yaml");
    }
    String name = m.group(1);
    String verb = m.group(2);
    if (verb == null && method.equals("GET")) {
      return ApiResponse.json(200, cp.views().service(name));
    } else if ("revisions".equals(verb) && method.equals("GET")) {
      return ApiResponse.json(200, cp.views().revisions(name));
    } else if ("rollback".equals(verb) && method.equals("POST")) {
      Optional<Integer> to =
          Optional.ofNullable(
              RequestBodies.read(
                      RequestBodies.json(ex),
                      RollbackRequest.class,
                      field ->
                          field
                              + ": the revision to roll back to must be a whole number, like"
                              + " {\"to\": 3} (see `kiln history "
                              + name
                              + "`)")
                  .to());
      Views v = cp.views();
      // made on the executor thread in the rollback's own turn, not behind the tick it wakes
      RollbackResponse done =
          cp.intents.rollback(
              name,
              to,
              actor,
              rb ->
                  new RollbackResponse(
                      v.revision(rb.revision()),
                      rb.mode(),
                      rb.rollout().map(v::rollout).orElse(null)));
      return ApiResponse.json(200, done);
    } else if (verb != null
        && method.equals("POST")
        && List.of("promote", "pause", "resume", "abort").contains(verb)) {
      RequestBodies.json(ex);
      var r = cp.intents.request(name, verb, actor);
      Views v = cp.views();
      return ApiResponse.json(200, cp.executor.call(() -> v.rollout(r)));
    } else {
      return ApiResponse.error(405, method + " is not allowed on " + path);
    }
  }

  private JournalResponse journal(Map<String, String> q) {
    Query query = Query.all();
    long since =
        RequestBodies.count(q, "since", "a journal seq, as `kiln journal` prints it").orElse(0L);
    query = query.afterSeq(since);
    String service = q.get("service");
    if (service != null) query = query.subject(service);
    if (q.containsKey("kind")) query = query.kind(q.get("kind"));
    List<Entry> entries = cp.rec.journal().entries(query);
    if (service != null && entries.isEmpty()) {
      java.util.Set<String> applied =
          cp.executor.call(() -> java.util.Set.copyOf(cp.state.services().keySet()));
      boolean journaled = !cp.rec.journal().entries(Query.all().subject(service)).isEmpty();
      Optional<String> unknown = JournalServiceFilter.unknown(service, applied, journaled);
      if (unknown.isPresent()) throw new ServerException.NotFound(unknown.get());
    }
    Optional<Long> asked = RequestBodies.count(q, "limit", "the most entries to return");
    if (asked.isPresent()) {
      int limit = (int) Math.min(Integer.MAX_VALUE, asked.get());
      // Paging forward from `since`; without it, the most recent entries.
      entries =
          q.containsKey("since")
              ? entries.subList(0, Math.min(limit, entries.size()))
              : entries.subList(Math.max(0, entries.size() - limit), entries.size());
    }
    return new JournalResponse(entries.stream().map(Views::entry).toList());
  }

  private AuditVerifyResponse verify() {
    VerifyReport report = cp.rec.journal().verify(cp.key.publicKey());
    Optional<VerifyReport.Break> b = report.ok() ? Optional.empty() : report.firstBreak();
    return new AuditVerifyResponse(
        report.ok(),
        // Name what was verified: an "ok" about some other home's journal is worth nothing.
        report.database().toAbsolutePath().toString(),
        cp.key.publicKeyFile().toAbsolutePath().toString(),
        report.keyId(),
        cp.rec.journal().anchoring().head().toString(),
        cp.rec.journal().anchoring().witnesses().stream().map(Path::toString).toList(),
        report.entries(),
        report.checkpoints(),
        report.anchoredSeq().orElse(null),
        report.warnings(),
        report.ok() ? cp.rec.journal().head().map(h -> h.hash().toString()).orElse(null) : null,
        b.map(VerifyReport.Break::seq).orElse(null),
        b.map(x -> x.reason().name().toLowerCase(Locale.ROOT)).orElse(null),
        b.map(VerifyReport.Break::message).orElse(null));
  }

  private String controlPlaneMetrics() {
    StringBuilder out = new StringBuilder();
    out.append(
        "# HELP kiln_journal_entries Entries in the journal.\n# TYPE kiln_journal_entries gauge\n");
    out.append("kiln_journal_entries ")
        .append(cp.rec.journal().head().map(Entry::seq).orElse(0L))
        .append('\n');
    List<InstanceView> instances = cp.views().instances().instances();
    Map<String, Integer> byHealth = new HashMap<>();
    instances.forEach(
        i -> byHealth.merge(i.service() + "\",health=\"" + i.health(), 1, Integer::sum));
    out.append(
        "# HELP kiln_instances Instances by service and health.\n# TYPE kiln_instances gauge\n");
    byHealth.forEach(
        (k, v) ->
            out.append("kiln_instances{service=\"")
                .append(k)
                .append("\"} ")
                .append(v)
                .append('\n'));
    out.append(InstanceMetrics.render(instances));
    out.append(cp.executor.call(() -> DriftViews.prometheus(cp.state)));
    return out.toString();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) return out;
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) continue;
      out.put(
          URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Override
  public void close() {
    dashboard.close(); // ends the event streams cleanly first
    listeners.close();
  }

  /** An exception's message, or its kind when it has none (a response always says something). */
  private static String message(Exception e) {
    String m = e.getMessage();
    return m != null ? m : e.getClass().getSimpleName();
  }
}
