package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import dev.kiln.testkit.LoopbackRegistry;
import dev.kiln.testkit.SteadyClient;
import dev.kiln.testkit.SwarmHosts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Kiln's own strategies on a real swarm of three namespaced hosts, driven by the control plane
 * {@code kiln server} runs and the CLI a user types: the server finds the {@code swarm} driver on
 * its classpath and its options in {@code $KILN_HOME/swarm.properties}, as a user's would. A client
 * sends requests through Kiln's router the whole time. A blue-green and then a canary with analysis
 * (the router's error rate for the canary) roll the three instances over the three hosts with no
 * failed request; then a host is lost (its link set down, its engine and instances killed): the
 * driver reports its instances lost (or their checks fail first), the healer replaces them, the
 * swarm places them on the others, the journal says where each went ({@code instance-moved}) and
 * the router no longer sends to the dead host. Figures are logged as {@code SWARM-BENCH} lines,
 * with the swarm's own rolling update between the same images as the peer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmStrategiesIT {
  static final int REPLICAS = 3;
  static final String BLUE_GREEN = "blue-green: { auto-promote: 1s, scale-down-delay: 0s }";
  static final String CANARY =
      "canary: { steps: [ { weight: 34, pause: 3s }, { weight: 67, pause: 2s } ],"
          + " analysis: { max-error-rate: 1%, min-requests: 5 } }";

  static SwarmHosts swarm;
  static LoopbackRegistry registry;
  static Path dir;
  static Path home;
  static Path project;
  static ControlPlane cp;
  static SteadyClient client;
  static final Map<Integer, String> images = new TreeMap<>();
  static final Map<String, Double> seconds = new TreeMap<>();

  @BeforeAll
  static void startServerOnSwarm() throws Exception {
    SwarmHosts.assumeSupported();
    dir = Files.createTempDirectory("kiln-swarm-strategies");
    swarm = SwarmHosts.start(3);
    registry = LoopbackRegistry.start(dir.resolve("registry"), swarm.gateway(), List.of());
    home = Files.createDirectories(dir.resolve("home"));
    // what a user writes once: the manager and the registry the nodes pull from
    Files.writeString(
        home.resolve("swarm.properties"),
        "manager="
            + swarm.manager().engine()
            + "\nregistry="
            + registry.address()
            + "/kiln\nregistry-plain-http=true\nstop-grace-seconds=3\n");
    project = Files.createDirectories(dir.resolve("project"));
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS))
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.writeString(Files.createDirectories(project.resolve("tmp")).resolve(".keep"), "");
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
    // no kiln.api: the CLI talks to $KILN_HOME/api.sock, as a user's does
    System.setProperty("kiln.home", home.toString());
  }

  @AfterAll
  static void stopAll() throws Exception {
    System.clearProperty("kiln.home");
    if (client != null) client.close();
    try {
      if (cp != null) {
        try {
          cp.stopFleet("test cleanup");
        } finally {
          cp.close();
        }
      }
    } finally {
      if (registry != null) registry.close();
      if (swarm != null) swarm.close();
      if (dir != null) {
        try (var all = Files.walk(dir)) {
          for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  @Order(1)
  void firstApply_placesTheThreeInstancesOnTheThreeHosts() throws Exception {
    apply("a", BLUE_GREEN, "new -> 1");
    JsonNode web = awaitService(s -> settledOn(s, 1));
    Map<String, Long> perHost = perHost(web);
    System.out.println("SWARM-BENCH placement " + perHost);
    assertThat(perHost.keySet())
        .containsExactlyInAnyOrderElementsOf(
            swarm.hosts().stream().map(SwarmHosts.Host::address).toList());
    client =
        SteadyClient.start(
            URI.create("http://" + cp.routerAddress() + "/"),
            Set.of("A\n", "B\n", "C\n"),
            Duration.ofSeconds(10));
    client.awaitAnswers(5);
  }

  @Test
  @Order(2)
  void blueGreen_acrossThreeHosts_failsNoRequest() throws Exception {
    long failedBefore = client.failed();
    long before = client.total();
    long t0 = System.nanoTime();
    apply("b", BLUE_GREEN, "1 -> 2");
    JsonNode web = awaitService(s -> settledOn(s, 2) && onlyRevision(s, 2));
    double took = (System.nanoTime() - t0) / 1e9;
    long failed = client.failed() - failedBefore;
    System.out.printf(
        "SWARM-BENCH blue-green instances=%d hosts=3 seconds=%.1f requests=%d failed=%d%n",
        REPLICAS, took, client.total() - before, failed);
    seconds.put("blue-green", took);
    images.put(2, web.get("image").asText());
    assertThat(failed).as("failed requests; last: " + client.lastFailure()).isZero();
    assertThat(perHost(web)).hasSize(3);
    assertThat(client.get()).isEqualTo("B\n");
  }

  @Test
  @Order(3)
  void canaryWithAnalysis_acrossThreeHosts_failsNoRequest() throws Exception {
    long failedBefore = client.failed();
    long before = client.total();
    long t0 = System.nanoTime();
    apply("c", CANARY, "2 -> 3");
    JsonNode web = awaitService(s -> settledOn(s, 3) && onlyRevision(s, 3));
    double took = (System.nanoTime() - t0) / 1e9;
    long failed = client.failed() - failedBefore;
    System.out.printf(
        "SWARM-BENCH canary instances=%d hosts=3 seconds=%.1f requests=%d failed=%d%n",
        REPLICAS, took, client.total() - before, failed);
    seconds.put("canary", took);
    images.put(3, web.get("image").asText());
    assertThat(failed).as("failed requests; last: " + client.lastFailure()).isZero();
    // the canary's step moved on because the router's metrics for revision 3 passed the analysis
    assertThat(journal("canary-step")).isNotEmpty();
    assertThat(web.get("rollout").get("conditions").toString()).contains("AnalysisPassed");
    assertThat(client.get()).isEqualTo("C\n");
  }

  /**
   * The peer for the figures: the swarm's own rolling update (stop-first, one task at a time) of a
   * three-replica service between the same two images, on the same hosts, timed until the new tasks
   * run. It has no health gate, no router and no client: a floor for moving three tasks.
   */
  @Test
  @Order(4)
  void peer_theSwarmsOwnRollingUpdate_betweenTheSameImages() throws Exception {
    SwarmHosts.Host manager = swarm.manager();
    String from = registry.address() + "/kiln@" + images.get(2);
    String to = registry.address() + "/kiln@" + images.get(3);
    int port;
    try (var s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    swarm.docker(
        manager,
        "service",
        "create",
        "--detach",
        "--quiet",
        "--name",
        "kiln-peer",
        "--replicas",
        Integer.toString(REPLICAS),
        "--replicas-max-per-node",
        "1",
        "--network",
        "host",
        "--endpoint-mode",
        "dnsrr",
        "--no-resolve-image",
        "--env",
        "PORT=" + port,
        "--update-parallelism",
        "1",
        "--update-order",
        "stop-first",
        // as Kiln's instances: an init as PID 1 (httpd as PID 1 ignores SIGTERM), the same grace
        "--init",
        "--stop-grace-period",
        "3s",
        from);
    try {
      awaitPeerRunning(manager, from);
      long t0 = System.nanoTime();
      swarm.docker(
          manager,
          "service",
          "update",
          "--detach",
          "--quiet",
          "--no-resolve-image",
          "--image",
          to,
          "kiln-peer");
      awaitPeerRunning(manager, to);
      double took = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "SWARM-BENCH peer swarm-service-update tasks=%d hosts=3 seconds=%.1f"
              + " (blue-green/peer %.2f, canary/peer %.2f)%n",
          REPLICAS,
          took,
          seconds.getOrDefault("blue-green", Double.NaN) / took,
          seconds.getOrDefault("canary", Double.NaN) / took);
    } finally {
      swarm.docker(manager, "service", "rm", "kiln-peer");
    }
  }

  static void awaitPeerRunning(SwarmHosts.Host manager, String image) throws Exception {
    long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      last =
          swarm.docker(
              manager,
              "service",
              "ps",
              "kiln-peer",
              "--filter",
              "desired-state=running",
              "--format",
              "{{.Image}} {{.CurrentState}}");
      List<String> running = last.lines().filter(l -> l.startsWith(image + " Running")).toList();
      if (running.size() == REPLICAS && last.lines().count() == REPLICAS) return;
      Thread.sleep(100);
    }
    throw new AssertionError("the peer service did not run " + image + ": " + last);
  }

  @Test
  @Order(5)
  void aHostLost_itsInstancesMoveToTheOthers_journaled_andTheRouterStopsSendingThere()
      throws Exception {
    SwarmHosts.Host lost = swarm.hosts().getLast(); // not the manager
    List<String> onLost = new ArrayList<>();
    for (JsonNode i : service().get("instances"))
      if (i.get("address").asText().equals(lost.address())) onLost.add(i.get("id").asText());
    assertThat(onLost).isNotEmpty();
    long failedBefore = client.failed();
    long before = client.total();

    long t0 = System.nanoTime();
    swarm.lose(lost);
    // full capacity: as many healthy instances as replicas, on the hosts that are left
    awaitService(
        s ->
            instances(s).stream()
                    .filter(i -> !i.get("address").asText().equals(lost.address()))
                    .filter(i -> i.path("health").asText().equals("HEALTHY"))
                    .count()
                >= REPLICAS);
    double full = (System.nanoTime() - t0) / 1e9;
    // then the lost ones gone from the listing (a stop drains first: a request stuck there waits)
    JsonNode web =
        awaitService(
            s ->
                s.get("healthy").asInt() >= REPLICAS
                    && onlyRevision(s, 3)
                    && instances(s).stream()
                        .noneMatch(i -> i.get("address").asText().equals(lost.address())));
    double gone = (System.nanoTime() - t0) / 1e9;
    long failed = client.failed() - failedBefore;
    System.out.printf(
        "SWARM-BENCH host-loss lost=%s instances=%d full-capacity-seconds=%.1f"
            + " lost-removed-seconds=%.1f requests=%d failed=%d%n",
        lost.address(), onLost.size(), full, gone, client.total() - before, failed);

    assertThat(perHost(web).keySet()).doesNotContain(lost.address()).hasSize(2);
    // the journal: each lost instance replaced, and where it went
    List<JsonNode> moved = journal("instance-moved");
    assertThat(moved)
        .extracting(e -> e.get("body").get("instance").asText())
        .containsExactlyInAnyOrderElementsOf(onLost);
    for (JsonNode e : moved) {
      JsonNode b = e.get("body");
      assertThat(b.get("fromNode").asText()).isEqualTo(lost.address());
      assertThat(b.get("toNode").asText()).isNotEqualTo(lost.address());
      // "lost: node … is down", or the health checks noticed first
      assertThat(b.get("reason").asText()).contains(lost.address());
    }
    assertThat(journal("instance-replaced"))
        .extracting(e -> e.get("body").toString())
        .anySatisfy(b -> assertThat(b).contains(onLost.getFirst()));
    // the router's table (as saved for a restart) sends nothing to the lost host
    JsonNode table = ApiClient.JSON.readTree(Files.readString(home.resolve("router/table.json")));
    List<String> routed = new ArrayList<>();
    table
        .get("services")
        .forEach(s -> s.get("backends").forEach(b -> routed.add(b.get("host").asText())));
    assertThat(routed).hasSize(REPLICAS).doesNotContain(lost.address());
    // The one request the client had in flight on the lost host when it went may be lost with it:
    // it was sent, and the router does not send a request twice. None after that.
    assertThat(failed).as("failed requests; last: " + client.lastFailure()).isLessThanOrEqualTo(1);
    long failedAtFull = client.failed();
    long okAtFull = client.ok();
    Thread.sleep(2_000);
    assertThat(client.ok()).isGreaterThan(okAtFull);
    assertThat(client.failed())
        .as("failed after recovery; last: " + client.lastFailure())
        .isEqualTo(failedAtFull);
  }

  // --- the user's side: the CLI and the router ---

  static void apply(String site, String strategy, String rollout) throws IOException {
    String yaml =
        """
        images:
          site:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: tmp/, dest: /tmp }
              - copy: { src: site-%s/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p $PORT -h /www" ]
        services:
          web:
            image: site
            replicas: %d
            runtime: swarm
            health: { http: /health.html, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
            strategy:
              %s
        """
            .formatted(site, REPLICAS, strategy);
    Path file = Files.writeString(project.resolve("kiln.yaml"), yaml);
    FakeKilnServer.Run r = FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "5m");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("rollout of web (" + rollout + ") succeeded");
  }

  static JsonNode service() throws IOException {
    FakeKilnServer.Run r = FakeKilnServer.run("status", "web", "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    return ApiClient.JSON.readTree(r.out());
  }

  static JsonNode awaitService(Predicate<JsonNode> done) throws Exception {
    long end = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = service();
      if (done.test(last)) return last;
      Thread.sleep(200);
    }
    throw new AssertionError("web did not converge: " + last);
  }

  static boolean settledOn(JsonNode s, int revision) {
    JsonNode r = s.get("rollout");
    String phase = r.isNull() ? "" : r.get("phase").asText();
    return r.get("to").asInt() == revision
        && phase.equals("SUCCEEDED")
        && s.get("traffic").path(Integer.toString(revision)).asInt() == 100
        && s.get("healthy").asInt() >= REPLICAS;
  }

  static boolean onlyRevision(JsonNode s, int revision) {
    List<JsonNode> all = instances(s);
    return all.size() == REPLICAS
        && all.stream().allMatch(i -> i.get("revision").asInt() == revision);
  }

  static List<JsonNode> instances(JsonNode s) {
    List<JsonNode> all = new ArrayList<>();
    s.get("instances").forEach(all::add);
    return all;
  }

  static Map<String, Long> perHost(JsonNode s) {
    return instances(s).stream()
        .collect(
            Collectors.groupingBy(
                i -> i.get("address").asText(), TreeMap::new, Collectors.counting()));
  }

  static List<JsonNode> journal(String kind) throws IOException {
    FakeKilnServer.Run r =
        FakeKilnServer.run("journal", "--service", "web", "--kind", kind, "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    List<JsonNode> out = new ArrayList<>();
    ApiClient.JSON.readTree(r.out()).path("entries").forEach(out::add);
    return out;
  }
}
