package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.blueprint.BlueprintException;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Query;
import dev.kiln.journal.VerifyReport;
import dev.kiln.model.KilnException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST API ({@code /v1/...}, JSON; documented in {@code openapi.yaml}, served at {@code
 * /v1/openapi.yaml}) and {@code /metrics}. The JDK's HTTP server with a virtual thread per request:
 * requests are small and rare, and every state read or change is handed to the executor thread
 * anyway.
 */
final class ApiServer implements AutoCloseable {
  interface Factory {
    ApiServer start(ControlPlane cp);
  }

  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
  private static final Pattern SERVICE =
      Pattern.compile(
          "/v1/services/([a-z0-9][a-z0-9-]*)(?:/(revisions|promote|pause|resume|abort|rollback))?");

  private final ControlPlane cp;
  private final HttpServer http;
  private final ApiToken token;

  private ApiServer(ControlPlane cp, HttpServer http, ApiToken token) {
    this.cp = cp;
    this.http = http;
    this.token = token;
  }

  static ApiServer start(ControlPlane cp) {
    try {
      HttpServer http = HttpServer.create(cp.config.api(), 64);
      ApiToken token = ApiToken.forAddress(cp.config.api(), cp.home());
      ApiServer api = new ApiServer(cp, http, token);
      http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      http.createContext("/", api::handle);
      http.start();
      return api;
    } catch (IOException e) {
      throw new ServerException(
          "cannot listen on "
              + cp.config.api()
              + ": "
              + e.getMessage()
              + " (is another kiln server running? choose another address with --api)",
          e);
    }
  }

  String address() {
    return http.getAddress().getHostString() + ":" + http.getAddress().getPort();
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      try {
        Optional<String> who = token.authenticate(ex.getRequestHeaders().getFirst("Authorization"));
        if (who.isEmpty()) {
          send(
              ex,
              401,
              error(
                  "missing or wrong bearer token; send Authorization: Bearer <token> (the token is in "
                      + cp.home().resolve("api-token")
                      + ")"));
          return;
        }
        String actor = who.get();
        String name = ex.getRequestHeaders().getFirst("X-Kiln-Actor");
        if (name != null && !name.isBlank()) actor = actor + ":" + name.strip();
        route(ex, actor);
      } catch (BlueprintException e) {
        ObjectNode body = error(e.getMessage());
        ArrayNode problems = body.putArray("problems");
        e.problems().forEach(p -> problems.add(p.toString()));
        send(ex, 400, body);
      } catch (ServerException e) {
        send(ex, ErrorStatus.statusOf(e), error(e.getMessage()));
      } catch (KilnException | IllegalArgumentException e) {
        send(ex, ErrorStatus.statusOf(e), error(e.getMessage()));
      } catch (RuntimeException e) {
        LOG.log(
            Level.WARNING,
            "API " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed",
            e);
        send(ex, 500, error("internal error: " + e + "; see the server log"));
      }
    } catch (IOException e) {
      LOG.fine("client went away: " + e);
    }
  }

  private void route(HttpExchange ex, String actor) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String path = ex.getRequestURI().getPath();
    if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    switch (method + " " + path) {
      case "GET /v1/health" -> {
        ObjectNode n = Json.object();
        n.put("status", "ok");
        n.put("version", ServerConfig.VERSION);
        n.put("home", cp.home().toString());
        n.put("router", cp.routerAddress());
        n.put("api", cp.apiAddress());
        n.put("hostKey", cp.key.keyId());
        send(ex, 200, n);
      }
      case "POST /v1/plan" -> {
        var planned = cp.applier.plan(file(body(ex)));
        send(ex, 200, Views.plan(planned.plan(), planned.blueprint().digest()));
      }
      case "POST /v1/apply" -> {
        var applied = cp.applier.apply(file(body(ex)), actor);
        ObjectNode n = Json.object();
        n.set("plan", Views.plan(applied.plan(), applied.blueprint().digest()));
        ArrayNode rollouts = n.putArray("rollouts");
        Views v = cp.views();
        applied.rollouts().forEach(r -> rollouts.add(v.rollout(r)));
        send(ex, 200, n);
      }
      case "GET /v1/services" -> send(ex, 200, cp.views().services());
      case "GET /v1/rollouts" -> send(ex, 200, cp.views().rollouts());
      case "GET /v1/instances" -> send(ex, 200, cp.views().instances());
      case "GET /v1/journal" -> send(ex, 200, journal(query));
      case "GET /v1/audit/verify" -> send(ex, 200, verify());
      case "GET /v1/audit/export" -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cp.rec.journal().exportJsonLines(out);
        send(ex, 200, "application/x-ndjson", out.toByteArray());
      }
      case "GET /v1/openapi.yaml" -> {
        try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
          send(ex, 200, "application/yaml", in.readAllBytes());
        }
      }
      case "GET /metrics" ->
          send(
              ex,
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              (cp.data.prometheus() + controlPlaneMetrics()).getBytes(StandardCharsets.UTF_8));
      default -> service(ex, method, path, actor);
    }
  }

  private void service(HttpExchange ex, String method, String path, String actor)
      throws IOException {
    Matcher m = SERVICE.matcher(path);
    if (!m.matches()) {
      send(
          ex,
          404,
          error("no such endpoint: " + method + " " + path + "; see GET /v1/openapi.yaml"));
      return;
    }
    String name = m.group(1);
    String verb = m.group(2);
    if (verb == null && method.equals("GET")) {
      send(ex, 200, cp.views().service(name));
    } else if ("revisions".equals(verb) && method.equals("GET")) {
      send(ex, 200, cp.views().revisions(name));
    } else if ("rollback".equals(verb) && method.equals("POST")) {
      JsonNode body = body(ex);
      Optional<Integer> to =
          body.hasNonNull("to") ? Optional.of(body.get("to").asInt()) : Optional.empty();
      Intents.Rolledback rb = cp.intents.rollback(name, to, actor);
      Views v = cp.views();
      ObjectNode n = Json.object();
      n.set("revision", cp.executor.call(() -> v.revision(rb.revision())));
      n.put("mode", rb.mode());
      if (rb.rollout().isPresent())
        n.set("rollout", cp.executor.call(() -> v.rollout(rb.rollout().get())));
      else n.putNull("rollout");
      send(ex, 200, n);
    } else if (verb != null
        && method.equals("POST")
        && List.of("promote", "pause", "resume", "abort").contains(verb)) {
      body(ex);
      var r = cp.intents.request(name, verb, actor);
      Views v = cp.views();
      send(ex, 200, cp.executor.call(() -> v.rollout(r)));
    } else {
      send(ex, 405, error(method + " is not allowed on " + path));
    }
  }

  private ObjectNode journal(Map<String, String> q) {
    Query query = Query.all();
    long since = Long.parseLong(q.getOrDefault("since", "0"));
    query = query.afterSeq(since);
    if (q.containsKey("service")) query = query.subject(q.get("service"));
    if (q.containsKey("kind")) query = query.kind(q.get("kind"));
    List<Entry> entries = cp.rec.journal().entries(query);
    if (q.containsKey("limit")) {
      int limit = Integer.parseInt(q.get("limit"));
      // Paging forward from `since`; without it, the most recent entries.
      entries =
          q.containsKey("since")
              ? entries.subList(0, Math.min(limit, entries.size()))
              : entries.subList(Math.max(0, entries.size() - limit), entries.size());
    }
    ObjectNode n = Json.object();
    ArrayNode a = n.putArray("entries");
    entries.forEach(e -> a.add(Views.entry(e)));
    return n;
  }

  private ObjectNode verify() {
    VerifyReport report = cp.rec.journal().verify(cp.key.publicKey());
    ObjectNode n = Json.object();
    n.put("ok", report.ok());
    n.put("entries", report.entries());
    n.put("checkpoints", report.checkpoints());
    if (report.ok()) {
      cp.rec.journal().head().ifPresent(h -> n.put("head", h.hash().toString()));
    } else {
      VerifyReport.Break b = report.firstBreak().orElseThrow();
      n.put("badSeq", b.seq());
      n.put("reason", b.reason().name().toLowerCase(Locale.ROOT));
      n.put("message", b.message());
    }
    return n;
  }

  private String controlPlaneMetrics() {
    StringBuilder out = new StringBuilder();
    out.append(
        "# HELP kiln_journal_entries Entries in the journal.\n# TYPE kiln_journal_entries gauge\n");
    out.append("kiln_journal_entries ")
        .append(cp.rec.journal().head().map(Entry::seq).orElse(0L))
        .append('\n');
    var instances = cp.views().instances().get("instances");
    Map<String, Integer> byHealth = new HashMap<>();
    instances.forEach(
        i ->
            byHealth.merge(
                i.get("service").asText() + "\",health=\"" + i.get("health").asText(),
                1,
                Integer::sum));
    out.append(
        "# HELP kiln_instances Instances by service and health.\n# TYPE kiln_instances gauge\n");
    byHealth.forEach(
        (k, v) ->
            out.append("kiln_instances{service=\"")
                .append(k)
                .append("\"} ")
                .append(v)
                .append('\n'));
    return out.toString();
  }

  private static Path file(JsonNode body) {
    if (!body.hasNonNull("file"))
      throw new ServerException("the request needs {\"file\": \"/abs/path/kiln.yaml\"}");
    return Path.of(body.get("file").asText()).toAbsolutePath();
  }

  private static JsonNode body(HttpExchange ex) throws IOException {
    byte[] bytes = ex.getRequestBody().readAllBytes();
    if (bytes.length == 0) return Json.object();
    return Json.parse(new String(bytes, StandardCharsets.UTF_8));
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

  private static ObjectNode error(String message) {
    ObjectNode n = Json.object();
    n.put("error", message);
    return n;
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    send(ex, status, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
