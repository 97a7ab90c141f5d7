package dev.kiln.server;

import dev.kiln.api.ServiceMetricsResponse;
import dev.kiln.api.UiCode;
import dev.kiln.api.UiLogout;
import dev.kiln.api.UiSession;
import dev.kiln.journal.Entry;
import dev.kiln.model.Strategy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * The dashboard's side of the API: the page itself ({@code /ui}, three files from this jar), its
 * login ({@code kiln ui} mints a one-time code over the authenticated API, the browser trades it at
 * {@code /ui/login} for a session cookie), the journal's event stream ({@code /v1/events}) and the
 * charts' series ({@code /v1/services/NAME/metrics}). Which requests the cookie may make is {@link
 * WebGate}'s business; the page's actions are the API's own promote/pause/resume/abort/rollback.
 */
final class Dashboard implements AutoCloseable {
  static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);
  static final Duration CHART_SPAN = Duration.ofMinutes(5);
  private static final Logger LOG = Logger.getLogger(Dashboard.class.getName());
  private static final Pattern METRICS =
      Pattern.compile("/v1/services/([a-z0-9][a-z0-9-]*)/metrics");
  private static final Map<String, String> ASSETS =
      Map.of(
          "/ui/", "index.html",
          "/ui/index.html", "index.html",
          "/ui/app.js", "app.js",
          "/ui/app.css", "app.css");
  private static final String CSP =
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
          + " frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private final ControlPlane cp;
  private final UiSessions sessions;
  private final EventStreams streams;
  private final MetricsHistory history = new MetricsHistory(CHART_SPAN);
  private final ScheduledExecutorService sampler;
  private final java.util.function.Consumer<Entry> onAppend;

  Dashboard(ControlPlane cp, UiSessions sessions, Duration heartbeat) {
    this.cp = cp;
    this.sessions = sessions;
    this.streams =
        new EventStreams(cp.rec.journal(), e -> Json.write(Json.tree(Views.entry(e))), heartbeat);
    this.onAppend = streams::appended;
    cp.rec.onAppend(onAppend);
    this.sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kiln-ui-metrics").unstarted(r));
    sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sample() {
    try {
      history.sample(cp.config.clock().instant(), cp.allRouters().metrics());
    } catch (RuntimeException e) {
      // the router process restarting: a gap in the charts, not an error
      LOG.log(Level.FINE, "dashboard: no router metrics this time", e);
    }
  }

  /** The answer if the request is the dashboard's; empty for the rest of the API. */
  Optional<ApiReply> route(ApiRequest ex, String method, String path, Map<String, String> query) {
    if (method.equals("GET")) {
      if (path.equals("/ui")) return Optional.of(redirect("/ui/"));
      if (path.equals("/ui/login")) return Optional.of(login(query.getOrDefault("code", "")));
      String asset = ASSETS.get(path.equals("/ui") ? "/ui/" : path);
      if (asset != null) return Optional.of(asset(asset, ex.header("Accept-Encoding")));
      if (path.startsWith("/ui/"))
        return Optional.of(ApiResponse.error(404, "no such page: " + path));
      if (path.equals("/v1/ui/session")) return Optional.of(session(ex));
      if (path.equals("/v1/events")) return Optional.of(events(ex, query));
      Matcher m = METRICS.matcher(path);
      if (m.matches()) return Optional.of(metrics(m.group(1)));
    } else if (method.equals("POST")) {
      if (path.equals("/v1/ui/codes")) return Optional.of(mint(ex.principal()));
      if (path.equals("/v1/ui/logout")) return Optional.of(logout(ex));
    }
    return Optional.empty();
  }

  private ApiResponse mint(String principal) {
    UiSessions.Code code = sessions.mint(principal);
    String path = "/ui/login?code=" + code.value();
    UiCode n =
        new UiCode(
            code.value(), path, "http://" + cp.apiAddress() + path, code.expiresAt().toString());
    LOG.info(
        "dashboard: a login code for " + principal + " (valid until " + code.expiresAt() + ")");
    return ApiResponse.json(200, n).withHeader("Cache-Control", "no-store");
  }

  /** Trades the code once; the answer never echoes it, and no log line names it. */
  private ApiResponse login(String code) {
    Optional<UiSessions.Session> s = code.isEmpty() ? Optional.empty() : sessions.trade(code);
    if (s.isEmpty()) {
      return html(
              403,
              "<p>This login link is unknown, already used or expired (they last "
                  + UiSessions.CODE_TTL.toSeconds()
                  + " s and work once).</p><p>Run <code>kiln ui</code> for a new one.</p>")
          .withHeader("Cache-Control", "no-store");
    }
    LOG.info("dashboard: session opened for " + s.get().principal());
    return redirect("/ui/")
        .withHeader(
            "Set-Cookie",
            UiSessions.COOKIE
                + "="
                + s.get().id()
                + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + UiSessions.SESSION_TTL.toSeconds());
  }

  private ApiResponse logout(ApiRequest ex) {
    UiSessions.cookie(ex.header("Cookie")).ifPresent(sessions::end);
    return ApiResponse.json(200, new UiLogout(true))
        .withHeader(
            "Set-Cookie", UiSessions.COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  }

  private ApiResponse session(ApiRequest ex) {
    Optional<UiSessions.Session> s = UiSessions.cookie(ex.header("Cookie")).flatMap(sessions::find);
    // A bearer client has no cookie to protect: its CSRF token is empty and never checked.
    UiSession n =
        new UiSession(
            ex.principal(),
            ex.header("Authorization").isPresent()
                ? ""
                : s.map(UiSessions.Session::csrf).orElse(""),
            s.map(x -> x.expiresAt().toString()).orElse(null));
    return ApiResponse.json(200, n).withHeader("Cache-Control", "no-store");
  }

  private ApiReply events(ApiRequest ex, Map<String, String> query) {
    long since = seq(query.getOrDefault("since", "0"), "since");
    // EventSource reconnects to the same URL and says where it got to in Last-Event-ID.
    long last = seq(ex.header("Last-Event-ID").orElse("0"), "Last-Event-ID");
    long after = Math.max(since, last);
    Optional<String> service = Optional.ofNullable(query.get("service"));
    Optional<String> kind = Optional.ofNullable(query.get("kind"));
    Predicate<Entry> filter =
        e ->
            service.map(s -> s.equals(e.subject())).orElse(true)
                && kind.map(k -> k.equals(e.kind())).orElse(true);
    if (streams.full())
      return ApiResponse.error(
          503, "too many open event streams (" + EventStreams.MAX_STREAMS + "); try again later");
    return new ApiStream(sink -> streams.subscribe(sink, after, filter));
  }

  private static long seq(String text, String what) {
    try {
      long v = Long.parseLong(text.strip());
      if (v < 0) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " must be a journal sequence number (0 or more), was '" + text + "'");
    }
  }

  private ApiResponse metrics(String service) {
    var rollout =
        cp.executor.call(
            () -> {
              if (cp.state.service(service).isEmpty())
                throw new ServerException.NotFound(
                    JournalServiceFilter.noSuchService(service, cp.state.services().keySet()));
              return cp.state.rollout(service);
            });
    Map<String, List<ServiceMetricsResponse.Point>> revisions = new LinkedHashMap<>();
    history
        .series(service)
        .forEach(
            (rev, points) ->
                revisions.put(
                    Integer.toString(rev),
                    points.stream()
                        .map(
                            p ->
                                new ServiceMetricsResponse.Point(
                                    p.at().toEpochMilli(),
                                    round(p.rps()),
                                    round(p.errorRate()),
                                    round(p.p99Millis()),
                                    p.requests()))
                        .toList()));
    // The canary's analysis limits, so the charts can draw the line a revision must stay under.
    ServiceMetricsResponse.Analysis analysis =
        rollout
            .map(dev.kiln.controller.Rollout::strategy)
            .filter(Strategy.Canary.class::isInstance)
            .flatMap(c -> ((Strategy.Canary) c).analysis())
            .map(
                a ->
                    new ServiceMetricsResponse.Analysis(
                        a.maxErrorRate(),
                        a.maxP99().map(Duration::toMillis).orElse(null),
                        a.minRequests()))
            .orElse(null);
    ServiceMetricsResponse n =
        new ServiceMetricsResponse(
            service, SAMPLE_EVERY.toSeconds(), CHART_SPAN.toSeconds(), revisions, analysis);
    return ApiResponse.json(200, n);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static ApiResponse redirect(String to) {
    return new ApiResponse(303, "text/plain; charset=utf-8", new byte[0])
        .withHeader("Location", to)
        .withHeader("Referrer-Policy", "no-referrer");
  }

  private static ApiResponse html(int status, String body) {
    String page =
        "<!doctype html><meta charset=utf-8><title>Kiln</title>"
            + "<body style=\"font:15px system-ui;margin:2rem\"><h1>kiln</h1>"
            + body;
    return new ApiResponse(
            status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8))
        .withHeader("Content-Security-Policy", CSP)
        .withHeader("Referrer-Policy", "no-referrer");
  }

  private record Asset(String type, byte[] plain, byte[] gzip) {}

  private static final Map<String, Asset> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

  private static ApiResponse asset(String name, Optional<String> acceptEncoding) {
    Asset a = LOADED.computeIfAbsent(name, Dashboard::load);
    boolean gzip = acceptEncoding.map(h -> h.contains("gzip")).orElse(false);
    ApiResponse r =
        new ApiResponse(200, a.type(), gzip ? a.gzip() : a.plain())
            .withHeader("Cache-Control", "no-cache")
            .withHeader("Vary", "Accept-Encoding")
            .withHeader("X-Content-Type-Options", "nosniff")
            .withHeader("Referrer-Policy", "no-referrer")
            .withHeader("Content-Security-Policy", CSP);
    return gzip ? r.withHeader("Content-Encoding", "gzip") : r;
  }

  private static Asset load(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream("ui/" + name)) {
      if (in == null)
        throw new ServerException("the dashboard's " + name + " is missing from the jar");
      byte[] plain = in.readAllBytes();
      ByteArrayOutputStream z = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(z)) {
        g.write(plain);
      }
      String type =
          name.endsWith(".js")
              ? "text/javascript; charset=utf-8"
              : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
      return new Asset(type, plain, z.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int openStreams() {
    return streams.open();
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    cp.rec.removeOnAppend(onAppend);
    streams.close();
  }
}
