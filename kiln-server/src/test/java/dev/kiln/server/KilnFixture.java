package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A blueprint folder with two images that answer differently ("A" and "B", busybox httpd from
 * scratch), a temp KILN_HOME, and a control plane on free loopback ports, driven through its API.
 */
final class KilnFixture implements AutoCloseable {
  final Path folder;
  final Path home;
  ControlPlane cp;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  KilnFixture(Path tmp) throws IOException {
    this.folder = tmp.resolve("project");
    this.home = tmp.resolve("home");
    Path bin = folder.resolve("bin");
    Files.createDirectories(bin);
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    }
    site("a", "A\n");
    site("b", "B\n");
    // "bad": healthy by its health page, but / is a CGI that answers 500.
    site("bad", null);
    Path cgi = folder.resolve("site-bad/cgi-bin/index.cgi");
    Files.createDirectories(cgi.getParent());
    Files.writeString(
        cgi,
        "#!/bin/sh\nprintf 'Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nboom\\n'\n");
    Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private void site(String name, String index) throws IOException {
    Path site = folder.resolve("site-" + name);
    Files.createDirectories(site);
    if (index != null) Files.writeString(site.resolve("index.html"), index);
    Files.writeString(site.resolve("health.html"), "ok\n");
  }

  /** Writes kiln-<image>.yaml: service web on image {@code image} with {@code strategy}. */
  Path blueprint(String image, String strategy) throws IOException {
    return blueprint(
        image, strategy, java.util.List.of("a", "b", "bad"), "kiln-" + image + ".yaml");
  }

  /** Service web on {@code image}, among {@code images} (each served from site-NAME/). */
  Path blueprint(String image, String strategy, java.util.List<String> images, String fileName)
      throws IOException {
    StringBuilder y = new StringBuilder("images:\n");
    for (String name : images) {
      y.append("  ")
          .append(name)
          .append(":\n")
          .append("    from: scratch\n")
          .append("    steps:\n")
          .append("      - copy: { src: bin/, dest: /bin }\n")
          .append("      - copy: { src: site-")
          .append(name)
          .append("/, dest: /www }\n")
          .append(
              "    entrypoint: [ /bin/sh, -c, \"exec busybox httpd -f -p 127.0.0.1:$PORT -h /www\" ]\n");
    }
    y.append("services:\n  web:\n    image: ")
        .append(image)
        .append("\n    replicas: 2\n")
        .append(
            "    health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }\n")
        .append("    route: { host: \"*\", path: / }\n")
        .append("    strategy:\n      ")
        .append(strategy)
        .append("\n");
    Path file = folder.resolve(fileName);
    Files.writeString(file, y.toString());
    return file;
  }

  KilnFixture start(Map<String, String> environment) {
    cp =
        ControlPlane.start(
            new ServerConfig(
                home,
                ServerConfig.address("127.0.0.1:0"),
                ServerConfig.address("127.0.0.1:0"),
                Clock.systemUTC(),
                environment));
    return this;
  }

  KilnFixture start() {
    return start(Map.of());
  }

  String api() {
    return "http://" + cp.apiAddress();
  }

  String router() {
    return "http://" + cp.routerAddress();
  }

  /** The API's TCP listener wants the token, loopback included. */
  String authorization() {
    try {
      return "Bearer " + Files.readString(home.resolve("api-token")).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The body of a plan or apply: the blueprint's text and the digests of its services' images,
   * baked here (with the layer cache, signed by the host key) as the CLI does where the blueprint
   * is.
   */
  String submission(Path file) {
    Blueprint bp = BlueprintParser.parse(file);
    java.util.TreeSet<String> used = new java.util.TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    BakeResult baked =
        new Baker(
                ImageStore.open(home.resolve("images")),
                home.resolve("cache"),
                BakeOptions.defaults().withKeysDir(java.util.Optional.of(home.resolve("keys"))))
            .bake(bp, java.util.List.copyOf(used));
    Map<String, Digest> images = new java.util.TreeMap<>();
    baked.images().forEach(i -> images.put(i.name(), i.manifest().digest()));
    return submission(file, images);
  }

  /** The body of a plan or apply with the given image digests (nothing is baked). */
  static String submission(Path file, Map<String, Digest> images) {
    try {
      var body = Json.object();
      body.put("blueprint", Files.readString(file));
      body.put("name", file.getFileName().toString());
      body.put("folder", file.toAbsolutePath().getParent().getFileName().toString());
      var i = body.putObject("images");
      images.forEach((k, v) -> i.put(k, v.toString()));
      return Json.write(body);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(api() + path))
            .header("Authorization", authorization())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(api() + path))
            .header("Content-Type", "application/json")
            .header("X-Kiln-Actor", "tester@it")
            .header("Authorization", authorization())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) {
    if (r.statusCode() != 200) throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
    return Json.parse(r.body());
  }

  JsonNode apply(Path file) throws IOException, InterruptedException {
    return json(post("/v1/apply", submission(file)));
  }

  JsonNode service(String name) throws IOException, InterruptedException {
    return json(get("/v1/services/" + name));
  }

  /** Polls the service until {@code done} holds (bounded: a stuck rollout fails the test). */
  JsonNode awaitService(String name, Duration max, Predicate<JsonNode> done) throws Exception {
    long end = System.nanoTime() + max.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = service(name);
      if (done.test(last)) return last;
      Thread.sleep(100);
    }
    throw new AssertionError("service " + name + " did not converge in " + max + ": " + last);
  }

  /** All traffic on {@code revision}, the rollout finished, every replica healthy. */
  static Predicate<JsonNode> settledOn(int revision) {
    return s -> {
      JsonNode r = s.get("rollout");
      String phase = r.isNull() ? "" : r.get("phase").asText();
      return r.get("to").asInt() == revision
          && (phase.equals("SUCCEEDED") || phase.equals("SCALING_DOWN"))
          && s.get("traffic").size() == 1
          && s.get("traffic").path(Integer.toString(revision)).asInt() == 100
          && s.get("healthy").asInt() >= s.get("replicas").asInt();
    };
  }

  // --- what the drift ITs look at: the live fleet, the verdicts, an intruder ---

  /** The instances the executor observes that are not leaving (being drained or replaced). */
  java.util.List<Executor.Observed> live() {
    return cp.executor.call(
        () -> cp.executor.observed().stream().filter(o -> !cp.executor.isLeaving(o)).toList());
  }

  /** The ids of the {@link #live()} instances. */
  Set<String> liveIds() {
    return live().stream().map(o -> o.instance().id()).collect(Collectors.toSet());
  }

  /** The drift verdicts the state holds, oldest first. */
  java.util.List<ServerState.Drifted> drifts() {
    return cp.executor.call(() -> cp.state.drifts());
  }

  /** Service web on image a with {@code strategy}, and {@code extra} lines added to it. */
  Path blueprintWith(String strategy, String extra) throws IOException {
    Path file = blueprint("a", strategy);
    Files.writeString(file, Files.readString(file) + extra);
    return file;
  }

  /** Applies {@code file} and waits until service web runs its new revision only; returns it. */
  int applyAndSettle(Path file, Duration max) throws Exception {
    apply(file);
    int revision = service("web").get("rollout").get("to").asInt();
    awaitService("web", max, settledOn(revision));
    return revision;
  }

  /** Polls until {@code ok} holds (bounded: a safety net, not a timing assertion). */
  /** For a {@code @BeforeAll}: the fixture's instances run in bubblewrap; skip without it. */
  static void assumeBubblewrap() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.util.stream.Stream.of("/usr/bin/bwrap", "/bin/bwrap")
            .anyMatch(p -> Files.isExecutable(Path.of(p))),
        "bubblewrap is not installed");
  }

  static void awaitTrue(Duration max, String what, BooleanSupplier ok) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("gave up waiting for " + what);
      Thread.sleep(50);
    }
  }

  /** A process entered into the pid and mount namespaces of {@code pid}: drift from outside. */
  static Process enter(long pid) throws IOException {
    return new ProcessBuilder(
            "nsenter", "-t", Long.toString(pid), "-p", "-m", "--", "/bin/busybox", "sleep", "300")
        .start();
  }

  @Override
  public void close() {
    if (cp == null) return;
    try {
      cp.stopFleet("test cleanup");
    } finally {
      cp.close();
      cp = null;
    }
  }
}
