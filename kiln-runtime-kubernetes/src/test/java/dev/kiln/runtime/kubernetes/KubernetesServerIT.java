package dev.kiln.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.ImageSource;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import dev.kiln.testkit.SteadyClient;
import io.fabric8.kubernetes.api.model.Pod;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kiln's own strategies on {@code runtime: kubernetes}, driven by the control plane {@code kiln
 * server} runs: it finds the driver on its classpath and the API server in {@code
 * $KILN_HOME/kubernetes.properties}, as a user's would. A blue-green and then a canary with
 * analysis (the router's error rate for the canary) roll three pods while a client sends requests
 * through Kiln's router, with no failed request. Against fabric8's mock API server and the kubelet
 * stand-in: the Kubernetes API's shape, not a real cluster.
 */
class KubernetesServerIT {
  static final int REPLICAS = 3;
  static final String BLUE_GREEN = "blue-green: { auto-promote: 1s, scale-down-delay: 0s }";
  static final String CANARY =
      "canary: { steps: [ { weight: 34, pause: 2s }, { weight: 67, pause: 1s } ],"
          + " analysis: { max-error-rate: 1%, min-requests: 5 } }";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  MockCluster cluster;
  ControlPlane cp;
  Path home;
  Path project;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/bwrap")),
        "the kubelet stand-in runs pods in bubblewrap (apt-get install bubblewrap)");
    home = Files.createDirectories(tmp.resolve("home"));
    cluster = new MockCluster(Files.createDirectories(tmp.resolve("node")));
    ImageStore store = ImageStore.open(home.resolve("images"));
    cluster.useImages(storeSource(store));
    // what a user writes once: where the API server is and where pods pull from
    StringBuilder options = new StringBuilder();
    cluster.options("shop").forEach((k, v) -> options.append(k).append('=').append(v).append('\n'));
    Files.writeString(home.resolve(KubernetesSettings.OPTIONS_FILE), options);
    project = Files.createDirectories(tmp.resolve("project"));
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS))
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    for (String v : List.of("a", "b", "c")) {
      Path site = Files.createDirectories(project.resolve("site-" + v));
      Files.writeString(site.resolve("index.html"), v.toUpperCase() + "\n");
      Files.writeString(site.resolve("health.html"), "ok\n");
    }
    cp =
        ControlPlane.start(
            ServerConfig.defaults(home)
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
  }

  @AfterEach
  void stop() {
    try {
      if (cp != null) {
        try {
          cp.stopFleet("test cleanup");
        } finally {
          cp.close();
        }
      }
    } finally {
      if (cluster != null) cluster.close();
    }
  }

  @Test
  void blueGreen_thenCanaryWithAnalysis_onKubernetes_failNoRequest() throws Exception {
    apply("a", BLUE_GREEN);
    awaitService(s -> settledOn(s, 1) && onlyRevision(s, 1));
    try (SteadyClient client =
        SteadyClient.start(
            URI.create("http://" + cp.routerAddress() + "/"),
            Set.of("A\n", "B\n", "C\n"),
            Duration.ofSeconds(10))) {
      client.awaitAnswers(5);

      long t0 = System.nanoTime();
      apply("b", BLUE_GREEN);
      awaitService(s -> settledOn(s, 2) && onlyRevision(s, 2));
      System.out.printf(
          "KUBERNETES-BENCH blue-green pods=%d seconds=%.1f failed=%d%n",
          REPLICAS, (System.nanoTime() - t0) / 1e9, client.failed());
      assertThat(client.failed()).as("failed; last: " + client.lastFailure()).isZero();
      assertThat(client.get()).isEqualTo("B\n");

      t0 = System.nanoTime();
      apply("c", CANARY);
      JsonNode web = awaitService(s -> settledOn(s, 3) && onlyRevision(s, 3));
      System.out.printf(
          "KUBERNETES-BENCH canary pods=%d seconds=%.1f failed=%d%n",
          REPLICAS, (System.nanoTime() - t0) / 1e9, client.failed());
      assertThat(client.failed()).as("failed; last: " + client.lastFailure()).isZero();
      assertThat(web.get("rollout").get("conditions").toString()).contains("AnalysisPassed");
      assertThat(client.get()).isEqualTo("C\n");
    }
    // the pods Kiln left are the last revision's, in the namespace the options name
    List<Pod> pods = cluster.client().pods().inNamespace("shop").list().getItems();
    assertThat(pods)
        .hasSize(REPLICAS)
        .allSatisfy(
            p ->
                assertThat(p.getSpec().getContainers().getFirst().getImage())
                    .startsWith("registry.test:5000/kiln/web@"));
  }

  // --- the user's side: the API and the router ---

  void apply(String site, String strategy) throws Exception {
    String yaml =
        """
        images:
          site:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site-%s/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p $PORT -h /www" ]
        services:
          web:
            image: site
            replicas: %d
            runtime: kubernetes
            health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
            strategy:
              %s
        """
            .formatted(site, REPLICAS, strategy);
    Path file = Files.writeString(project.resolve("kiln.yaml"), yaml);
    // as the CLI does: bake where the blueprint is, send the text and the digests
    Blueprint bp = BlueprintParser.parse(file);
    var baked =
        new Baker(
                ImageStore.open(home.resolve("images")),
                home.resolve("cache"),
                BakeOptions.defaults().withKeysDir(Optional.of(home.resolve("keys"))))
            .bake(bp, List.of("site"));
    ObjectNode body = JSON.createObjectNode();
    body.put("blueprint", yaml);
    body.put("name", "kiln.yaml");
    body.put("folder", "project");
    body.putObject("images").put("site", baked.images().getFirst().manifest().digest().toString());
    HttpResponse<String> r = post("/v1/apply", JSON.writeValueAsString(body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://" + cp.apiAddress() + path))
            .header("Content-Type", "application/json")
            .header("Authorization", token())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode service() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + cp.apiAddress() + "/v1/services/web"))
                .header("Authorization", token())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  String token() throws IOException {
    return "Bearer " + Files.readString(home.resolve("api-token")).strip();
  }

  JsonNode awaitService(Predicate<JsonNode> done) throws Exception {
    long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = service();
      if (done.test(last)) return last;
      Thread.sleep(100);
    }
    throw new AssertionError("web did not converge: " + last);
  }

  static boolean settledOn(JsonNode s, int revision) {
    JsonNode r = s.get("rollout");
    return !r.isNull()
        && r.get("to").asInt() == revision
        && r.get("phase").asText().equals("SUCCEEDED")
        && s.get("traffic").path(Integer.toString(revision)).asInt() == 100
        && s.get("healthy").asInt() >= REPLICAS;
  }

  static boolean onlyRevision(JsonNode s, int revision) {
    List<JsonNode> all = new ArrayList<>();
    s.get("instances").forEach(all::add);
    return all.size() == REPLICAS
        && all.stream().allMatch(i -> i.get("revision").asInt() == revision);
  }

  /** The store as the kubelet stand-in's node pulls it: by digest (no signature gate there). */
  static ImageSource storeSource(ImageStore store) {
    return digest -> {
      ImageManifest m = store.manifest(digest);
      ImageConfig c = store.config(m);
      List<ImageContent.Blob> layers =
          m.layers().stream()
              .map(
                  l ->
                      new ImageContent.Blob(
                          l.digest(), l.mediaType(), l.size(), () -> store.open(l.digest())))
              .toList();
      Map<String, String> env = new LinkedHashMap<>();
      for (String kv : c.env()) {
        int eq = kv.indexOf('=');
        if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      return new ImageContent(
          digest,
          layers,
          new ImageContent.Blob(
              m.config().digest(),
              m.config().mediaType(),
              m.config().size(),
              () -> store.open(m.config().digest())),
          new ImageContent.RunConfig(c.entrypoint(), c.cmd(), env, c.workdir(), c.user()),
          true);
    };
  }
}
