package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.ApiError;
import dev.kiln.model.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The CLI's only way to the control plane: JSON over HTTP, as the API contract (v1) describes — on
 * the server's unix socket {@code $KILN_HOME/api.sock} by default (the kernel tells the server who
 * we are), or on the TCP address in {@code KILN_API} with the bearer token. Every failure becomes
 * an {@link ApiException} whose message says what to do next, so commands never handle HTTP status
 * codes themselves.
 */
public final class ApiClient {
  public static final String DEFAULT_API = "http://127.0.0.1:7878";
  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads answers into kiln-api records (issue 8); a field a newer server adds is ignored, so the
   * records only ever grow.
   */
  private static final ObjectMapper TYPED =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

  private final Endpoint endpoint;
  private final HttpClient http;

  public ApiClient(Endpoint endpoint) {
    this.endpoint = endpoint;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /**
   * The client configured by KILN_API, KILN_TOKEN and $KILN_HOME/api-token (see {@link Endpoint}).
   */
  public static ApiClient fromEnvironment() {
    return new ApiClient(Endpoint.resolve(System.getenv(), System.getProperties()));
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public JsonNode get(String path) {
    if (endpoint.socket().isPresent()) return json(unix("GET", path, new byte[0]));
    return json(send(request(path).GET(), path));
  }

  public JsonNode post(String path, JsonNode body) {
    String text;
    try {
      text = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (endpoint.socket().isPresent())
      return json(unix("POST", path, text.getBytes(StandardCharsets.UTF_8)));
    HttpRequest.Builder b =
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(text));
    return json(send(b, path));
  }

  /** POSTs an empty JSON object: the body of every intent (promote, pause, resume, abort). */
  public JsonNode post(String path) {
    return post(path, JSON.createObjectNode());
  }

  /** A GET whose body is streamed to the caller, for large non-JSON answers (the audit export). */
  public InputStream stream(String path) {
    if (endpoint.socket().isPresent())
      return new java.io.ByteArrayInputStream(unix("GET", path, new byte[0]));
    HttpResponse<InputStream> r =
        exchange(request(path).GET(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() >= 400) {
      try (InputStream in = r.body()) {
        throw failure(r.statusCode(), in.readAllBytes(), path);
      } catch (IOException e) {
        throw new ApiException(0, "reading the answer to " + path + " failed: " + e.getMessage());
      }
    }
    return r.body();
  }

  /**
   * {@code /v1/services/web} — escapes each name, so a strange service name cannot change the path.
   */
  public static String path(String first, String... names) {
    StringBuilder b = new StringBuilder(first);
    for (String n : names)
      b.append('/').append(URLEncoder.encode(n, StandardCharsets.UTF_8).replace("+", "%20"));
    return b.toString();
  }

  /**
   * A query string of the non-empty parameters, in the order given: {@code ?since=3&kind=apply}.
   */
  public static String query(Map<String, Optional<String>> params) {
    List<String> parts = new ArrayList<>();
    params.forEach(
        (k, v) ->
            v.ifPresent(s -> parts.add(k + "=" + URLEncoder.encode(s, StandardCharsets.UTF_8))));
    return parts.isEmpty() ? "" : "?" + String.join("&", parts);
  }

  // Paths are resolved relative to the base so that KILN_API may carry a prefix
  // (https://host/kiln/).
  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                endpoint.base().resolve(path.startsWith("/") ? path.substring(1) : path))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json")
            .header("X-Kiln-Actor", endpoint.actor());
    endpoint.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b;
  }

  private byte[] unix(String method, String path, byte[] body) {
    Path socket = endpoint.socket().orElseThrow();
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("Accept", "application/json");
    headers.put("X-Kiln-Actor", endpoint.actor());
    if (body.length > 0) headers.put("Content-Type", "application/json");
    UnixHttp.Response r;
    try {
      r =
          UnixHttp.exchange(
              socket,
              method,
              path.startsWith("/") ? path : "/" + path,
              headers,
              body,
              REQUEST_TIMEOUT);
    } catch (UnixHttp.Unreachable e) {
      if (String.valueOf(e.getMessage()).contains("ermission denied")) {
        throw new ApiException(
            0,
            "the Kiln server's socket "
                + socket
                + " is not yours (mode 0600); run kiln as the server's user, or use KILN_API with its"
                + " token");
      }
      throw unreachable();
    } catch (java.nio.channels.AsynchronousCloseException e) {
      throw new ApiException(
          0,
          "the Kiln server at "
              + endpoint.display()
              + " did not answer within "
              + REQUEST_TIMEOUT.toMinutes()
              + " minutes");
    } catch (IOException e) {
      throw new ApiException(
          0, "talking to the Kiln server at " + endpoint.display() + " failed: " + e);
    }
    if (r.status() >= 400) throw failure(r.status(), r.body(), path);
    return r.body();
  }

  private byte[] send(HttpRequest.Builder b, String path) {
    HttpResponse<byte[]> r = exchange(b, HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() >= 400) throw failure(r.statusCode(), r.body(), path);
    return r.body();
  }

  private <T> HttpResponse<T> exchange(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(b.build(), handler);
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw unreachable();
    } catch (HttpTimeoutException e) {
      throw new ApiException(
          0,
          "the Kiln server at "
              + endpoint.display()
              + " did not answer within "
              + REQUEST_TIMEOUT.toMinutes()
              + " minutes");
    } catch (IOException e) {
      // The JDK wraps a refused connection in a plain IOException on some paths.
      if (e.getCause() instanceof ConnectException) throw unreachable();
      throw new ApiException(
          0, "talking to the Kiln server at " + endpoint.display() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(0, "interrupted while waiting for the Kiln server");
    }
  }

  private ApiException unreachable() {
    return new ApiException(
        0,
        "cannot reach the Kiln server at "
            + endpoint.display()
            + "; start it with `kiln server` or `kiln up`"
            + (endpoint.socket().isPresent()
                ? " (with the same KILN_HOME), or point KILN_API at it"
                : " (or point KILN_API at it)"));
  }

  /** A kiln-api record as the JSON tree a request sends. */
  static ObjectNode tree(Object record) {
    return JSON.valueToTree(record);
  }

  /** An answer as its kiln-api record; a server that sent another shape is named. */
  static <T> T read(JsonNode answer, Class<T> type) {
    try {
      return TYPED.treeToValue(answer, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ApiException(
          0,
          "the Kiln server's answer is not a "
              + type.getSimpleName()
              + " (a server of another version?): "
              + e.getMessage());
    }
  }

  private ApiException failure(int status, byte[] body, String path) {
    Optional<ApiError> error = error(body);
    String message =
        error
            .map(ApiError::error)
            .orElseGet(() -> "HTTP " + status + " from " + path + excerpt(body));
    StringBuilder b = new StringBuilder(message);
    error.ifPresent(
        e -> e.problems().forEach(p -> b.append(System.lineSeparator()).append("  ").append(p)));
    if (status == 401) {
      b.append(System.lineSeparator())
          .append(
              "  the server wants a token: set KILN_TOKEN to the content of $KILN_HOME/api-token on the server's host");
    }
    return new ApiException(status, b.toString());
  }

  /** A refusal's body as the API's one error shape, when it is one and says something. */
  static Optional<ApiError> error(byte[] body) {
    return parse(body)
        .flatMap(
            n -> {
              try {
                return Optional.of(TYPED.treeToValue(n, ApiError.class));
              } catch (JsonProcessingException | IllegalArgumentException e) {
                return Optional.empty();
              }
            })
        .filter(e -> e.error() != null && !e.error().isBlank());
  }

  private static String excerpt(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8).strip();
    if (s.isEmpty()) return "";
    return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
  }

  private static Optional<JsonNode> parse(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private JsonNode json(byte[] body) {
    if (body.length == 0) return JSON.createObjectNode();
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ApiException(
          0,
          "the Kiln server at "
              + endpoint.display()
              + " answered with invalid JSON"
              + excerpt(body));
    }
  }

  static String pretty(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A request the server refused or could not be sent; status 0 when no answer came. */
  public static final class ApiException extends KilnException {
    private final int status;

    public ApiException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * Where the API is and who we are. The system properties {@code kiln.api} and {@code kiln.token}
   * override the environment because a JVM cannot change its own environment: tests use them.
   */
  public record Endpoint(URI base, Optional<Path> socket, Optional<String> token, String actor) {
    /** An endpoint on TCP. */
    public Endpoint(URI base, Optional<String> token, String actor) {
      this(base, Optional.empty(), token, actor);
    }

    /** The base URL as the user wrote it, without the trailing slash added for resolving paths. */
    public String display() {
      if (socket.isPresent()) return "unix:" + socket.get();
      String s = base.toString();
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * KILN_API (or {@code kiln.api}) names a TCP server ({@code http://host:port}, sent with the
     * token) or a socket ({@code unix:/path/api.sock}); unset, the socket of KILN_HOME.
     */
    public static Endpoint resolve(Map<String, String> env, Properties sys) {
      String user = firstSet(env.get("USER"), sys.getProperty("user.name")).orElse("unknown");
      String actor = user + "@" + hostname(env);
      Optional<String> named = firstSet(sys.getProperty("kiln.api"), env.get("KILN_API"));
      if (named.isEmpty() || named.get().startsWith("unix:")) {
        Path socket =
            named
                .map(n -> Path.of(n.substring("unix:".length()).replaceFirst("^//", "")))
                .orElseGet(() -> home(env, sys).resolve("api.sock"))
                .toAbsolutePath();
        return new Endpoint(
            URI.create("http://localhost/"), Optional.of(socket), Optional.empty(), actor);
      }
      String api = named.get();
      URI base;
      try {
        base = URI.create(api.endsWith("/") ? api : api + "/");
        if (base.getScheme() == null || base.getHost() == null)
          throw new IllegalArgumentException("no scheme or host");
      } catch (IllegalArgumentException e) {
        throw new KilnException(
            "KILN_API="
                + api
                + " is not a URL; write it like "
                + DEFAULT_API
                + " (or unix:/path/api.sock)");
      }
      Optional<String> token = firstSet(sys.getProperty("kiln.token"), env.get("KILN_TOKEN"));
      if (token.isEmpty()) token = tokenFile(home(env, sys));
      return new Endpoint(base, Optional.empty(), token.map(String::strip), actor);
    }

    private static Path home(Map<String, String> env, Properties sys) {
      return firstSet(sys.getProperty("kiln.home"), env.get("KILN_HOME"))
          .map(h -> Path.of(h).toAbsolutePath())
          .orElseGet(() -> Path.of(sys.getProperty("user.home", "."), ".kiln"));
    }

    private static Optional<String> tokenFile(Path home) {
      Path file = home.resolve("api-token");
      if (!Files.isReadable(file)) return Optional.empty();
      try {
        return Optional.of(Files.readString(file).strip()).filter(s -> !s.isEmpty());
      } catch (IOException | UncheckedIOException e) {
        return Optional
            .empty(); // unreadable after all: go without, the server will say 401 if it cares
      }
    }

    private static String hostname(Map<String, String> env) {
      Optional<String> h = firstSet(env.get("HOSTNAME"), null);
      if (h.isPresent()) return h.get();
      // Shells rarely export HOSTNAME; /etc/hostname avoids a possibly slow DNS lookup.
      try {
        String etc = Files.readString(Path.of("/etc/hostname")).strip();
        if (!etc.isEmpty()) return etc;
      } catch (IOException | UncheckedIOException e) {
        // fall through to the resolver
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }

    private static Optional<String> firstSet(
        @org.jspecify.annotations.Nullable String a, @org.jspecify.annotations.Nullable String b) {
      if (a != null && !a.isBlank()) return Optional.of(a);
      if (b != null && !b.isBlank()) return Optional.of(b);
      return Optional.empty();
    }
  }
}
