package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.testkit.TestCa;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router as an edge, through a real control plane and a real router process: {@code
 * --router-tls}, services' {@code route.tls} with certificates from a CA made by the test and keys
 * in secrets, SNI picking each host's certificate, HTTP → HTTPS redirect and HSTS, a bad
 * certificate refused at apply at its {@code cert:} key while the old one keeps serving, a renewed
 * certificate taken on apply under load with no failed request, expiry in the status, and the key
 * in neither the journal nor any file Kiln writes.
 */
class EdgeTlsIT {
  @TempDir Path tmp;

  @Test
  void routeTls_servesEachHostsCertificateBySni_refusesABadOne_andReloadsUnderLoad()
      throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    TestCa ca = new TestCa(Files.createDirectories(tmp.resolve("ca")));
    TestCa.Leaf app = ca.issue("app", 30, "app.example.org");
    TestCa.Leaf api = ca.issue("api", 30, "api.example.org");
    Path certs = Files.createDirectories(k.folder.resolve("certs"));
    Files.copy(app.chain(), certs.resolve("app.pem"));
    Files.copy(api.chain(), certs.resolve("api.pem"));
    Path secrets = Files.createDirectories(k.home.resolve("secrets"));
    secret(secrets, "APP_TLS_KEY", app.key());
    secret(secrets, "API_TLS_KEY", api.key());
    String appKey = Files.readString(app.key()).strip();

    Path blueprint = blueprint(k.folder);
    k.cp =
        ControlPlane.start(
            new ServerConfig(
                    k.home,
                    ServerConfig.address("127.0.0.1:0"),
                    ServerConfig.address("127.0.0.1:0"),
                    Clock.systemUTC(),
                    Map.of())
                .withSeparateRouter(true)
                .withRouterTls(List.of(ServerConfig.address("127.0.0.1:0"))));
    ControlPlane cp = k.cp;
    ControlPlane first = cp;
    try {
      assertThat(cp.routerTlsAddresses()).hasSize(1);
      InetSocketAddress https = address(cp.routerTlsAddresses().get(0));
      SSLContext client = ca.clientContext();

      assertThat(k.json(k.post("/v1/apply", submission(k, blueprint))).toString()).isNotEmpty();
      k.awaitService("web", Duration.ofSeconds(90), KilnFixture.settledOn(1));
      k.awaitService("api", Duration.ofSeconds(90), KilnFixture.settledOn(1));

      // SNI picks each host's certificate (the JDK client checks the name against it)
      Answer web = awaitHttps(client, https, "app.example.org", serial(app));
      assertThat(web.status()).isEqualTo(200);
      assertThat(web.body()).isEqualTo("A");
      assertThat(web.headers()).containsKey("strict-transport-security");
      Answer apiAnswer = get(client, https, "api.example.org");
      assertThat(((X509Certificate) apiAnswer.leaf()).getSubjectX500Principal().getName())
          .isEqualTo("CN=api.example.org");
      assertThat(apiAnswer.body()).isEqualTo("B");
      assertThat(apiAnswer.headers()).doesNotContainKey("strict-transport-security");

      // plain HTTP for a redirect: true route is a 308 to the same URL over HTTPS
      String plain = plainGet(address(cp.routerAddress()), "app.example.org", "/index.html");
      assertThat(plain)
          .startsWith("HTTP/1.1 308")
          .contains("app.example.org:" + https.getPort() + "/index.html");

      // kiln status: each certificate with its expiry
      JsonNode all = k.json(k.get("/v1/services"));
      assertThat(all.path("certificates")).hasSize(2);
      JsonNode tls = k.service("web").path("route").path("tls");
      assertThat(tls.path("cert").asText()).isEqualTo("certs/app.pem");
      assertThat(tls.path("notAfter").asText())
          .isEqualTo(((X509Certificate) web.leaf()).getNotAfter().toInstant().toString());
      assertThat(tls.path("daysLeft").asLong()).isBetween(28L, 30L);
      assertThat(tls.path("redirect").asBoolean()).isTrue();

      // a certificate that does not belong to the key: refused where cert: is written; no change
      TestCa.Leaf stranger = ca.issue("stranger", 30, "app.example.org");
      Files.copy(
          stranger.chain(),
          certs.resolve("app.pem"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      long installedBefore = installed(k);
      var refused = k.post("/v1/apply", submission(k, blueprint));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body())
          .contains("kiln.yaml:" + certLine(blueprint, "certs/app.pem") + ":")
          .contains("service web: certificate certs/app.pem")
          .contains("does not match")
          .doesNotContain("PRIVATE KEY");
      assertThat(installed(k)).isEqualTo(installedBefore);
      assertThat(serial(get(client, https, "app.example.org").leaf())).isEqualTo(serial(app));

      // renewal under load: new connections get the new certificate, no request fails
      TestCa.Leaf renewed = ca.renew(app, "app-renewed", 60);
      try (HttpsLoad load = new HttpsLoad(client, https, "app.example.org", 3)) {
        load.awaitRequests(30);
        Files.copy(
            renewed.chain(),
            certs.resolve("app.pem"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(k.post("/v1/apply", submission(k, blueprint)).statusCode()).isEqualTo(200);
        awaitHttps(client, https, "app.example.org", serial(renewed));
        load.awaitSerial(serial(renewed), 30);
        load.stop();
        assertThat(load.failures.sum()).as("failed: %s", load.samples).isZero();
        assertThat(load.bySerial.keySet()).contains(serial(app), serial(renewed));
      }
      assertThat(k.service("web").path("route").path("tls").path("daysLeft").asLong())
          .isBetween(58L, 60L);

      // the renewed certificate's old chain file goes once the router serves the new table
      Path tlsDir = k.home.resolve("router/tls");
      awaitChainFiles(tlsDir, 2);
      assertThat(chainFiles(tlsDir))
          .allSatisfy(f -> assertThat(Files.readString(f)).doesNotContain("PRIVATE KEY"))
          .anySatisfy(
              f -> assertThat(Files.readString(f)).isEqualTo(Files.readString(renewed.chain())));

      // a server restart adopts the router, which kept serving; the same certificate goes on
      cp.close();
      assertThat(serial(get(client, https, "app.example.org").leaf())).isEqualTo(serial(renewed));
      k.cp =
          ControlPlane.start(
              new ServerConfig(
                      k.home,
                      ServerConfig.address("127.0.0.1:0"),
                      ServerConfig.address("127.0.0.1:0"),
                      Clock.systemUTC(),
                      Map.of())
                  .withSeparateRouter(true)
                  .withRouterTls(List.of(ServerConfig.address("127.0.0.1:0"))));
      cp = k.cp;
      assertThat(cp.routerTlsAddresses())
          .containsExactly(https.getHostString() + ":" + https.getPort());
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      assertThat(awaitHttps(client, https, "app.example.org", serial(renewed)).body())
          .isEqualTo("A");
      assertThat(k.service("web").path("route").path("tls").path("daysLeft").asLong())
          .isBetween(58L, 60L);

      // the router process dies under a running server: started again, handed the keys again
      // (they are never on disk), it serves HTTPS again with the same certificate
      long routerPid =
          Json.parse(Files.readString(k.home.resolve("router/router.json"))).path("pid").asLong();
      ProcessHandle.of(routerPid).ifPresent(ProcessHandle::destroyForcibly);
      ProcessHandle.of(routerPid).ifPresent(p -> p.onExit().join());
      assertThat(awaitHttps(client, https, "app.example.org", serial(renewed)).body())
          .isEqualTo("A");
      assertThat(
              Json.parse(Files.readString(k.home.resolve("router/router.json")))
                  .path("pid")
                  .asLong())
          .isNotEqualTo(routerPid);

      // the key is a secret: not in the journal, the router's table or its log
      String journal = k.get("/v1/audit/export").body();
      assertThat(journal).contains("certificate-installed").doesNotContain(appKey);
      assertThat(journal.replace("\\n", "\n")).doesNotContain(appKey);
      try (var files = Files.walk(k.home.resolve("router"))) {
        for (Path file : files.filter(Files::isRegularFile).toList())
          assertThat(Files.readString(file, StandardCharsets.ISO_8859_1))
              .as(file.toString())
              .doesNotContain("PRIVATE KEY");
      }
      cp.stopRouter();
    } finally {
      k.close();
      first.stopRouter();
    }
  }

  private static List<Path> chainFiles(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".pem")).toList();
    }
  }

  /** Waits until {@code dir} holds {@code n} chain files (removal follows the swap's drain). */
  private static void awaitChainFiles(Path dir, int n) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (chainFiles(dir).size() != n && System.nanoTime() < end) Thread.sleep(100);
    assertThat(chainFiles(dir)).hasSize(n);
  }

  private static void secret(Path dir, String name, Path key) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, Files.readString(key));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  /** Two services, each on its own host with its own certificate; web redirects plain HTTP. */
  private static Path blueprint(Path folder) throws Exception {
    StringBuilder y = new StringBuilder("images:\n");
    for (String name : List.of("a", "b")) {
      y.append("  ")
          .append(name)
          .append(":\n    from: scratch\n    steps:\n")
          .append("      - copy: { src: bin/, dest: /bin }\n")
          .append("      - copy: { src: site-")
          .append(name)
          .append("/, dest: /www }\n")
          .append(
              "    entrypoint: [ /bin/sh, -c, \"exec busybox httpd -f -p 127.0.0.1:$PORT -h /www\" ]\n");
    }
    String health =
        "    health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }\n";
    y.append("services:\n")
        .append("  web:\n    image: a\n    replicas: 1\n")
        .append(health)
        .append("    route:\n      host: app.example.org\n      tls:\n")
        .append("        cert: certs/app.pem\n        key: APP_TLS_KEY\n")
        .append("        redirect: true\n        hsts: true\n")
        .append("  api:\n    image: b\n    replicas: 1\n")
        .append(health)
        .append("    route:\n      host: api.example.org\n      tls:\n")
        .append("        cert: certs/api.pem\n        key: API_TLS_KEY\n");
    Path file = folder.resolve("kiln.yaml");
    Files.writeString(file, y.toString());
    return file;
  }

  /** The body the CLI sends: the blueprint, its images, and its certificate files' content. */
  private static String submission(KilnFixture k, Path blueprint) throws Exception {
    ObjectNode body = (ObjectNode) Json.parse(k.submission(blueprint));
    ObjectNode certs = body.putObject("certificates");
    for (String c : List.of("certs/app.pem", "certs/api.pem"))
      certs.put(c, Files.readString(blueprint.resolveSibling(c)));
    return Json.write(body);
  }

  /** The line of {@code cert: FILE} in the blueprint (1-based). */
  private static int certLine(Path blueprint, String file) throws Exception {
    List<String> lines = Files.readAllLines(blueprint);
    for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("cert: " + file)) return i + 1;
    throw new AssertionError(file + " not in " + blueprint);
  }

  private static long installed(KilnFixture k) throws Exception {
    return k.json(k.get("/v1/journal?kind=certificate-installed")).path("entries").size();
  }

  private static InetSocketAddress address(String hostPort) {
    return ServerConfig.address(hostPort);
  }

  private static BigInteger serial(TestCa.Leaf leaf) throws Exception {
    try (var in = Files.newInputStream(leaf.chain())) {
      return ((X509Certificate)
              java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  private static BigInteger serial(java.security.cert.Certificate leaf) {
    return ((X509Certificate) leaf).getSerialNumber();
  }

  record Answer(
      int status, Map<String, String> headers, String body, java.security.cert.Certificate leaf) {}

  /** One request on a new TLS connection, SNI and hostname verification on. */
  static Answer get(SSLContext ctx, InetSocketAddress address, String host) throws Exception {
    try (SSLSocket s = TestCa.connect(ctx, address, host)) {
      var leaf = s.getSession().getPeerCertificates()[0];
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      var in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      Map<String, String> headers = new java.util.TreeMap<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).toLowerCase(), line.substring(colon + 1).strip());
      }
      StringBuilder body = new StringBuilder();
      for (String line = in.readLine(); line != null; line = in.readLine()) body.append(line);
      return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body.toString(), leaf);
    }
  }

  /** Asks until the router serves the certificate with {@code serial} (a publish is async). */
  private static Answer awaitHttps(
      SSLContext ctx, InetSocketAddress address, String host, BigInteger serial) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Exception last = null;
    while (System.nanoTime() < end) {
      try {
        Answer a = get(ctx, address, host);
        if (serial(a.leaf()).equals(serial) && a.status() == 200) return a;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no certificate " + serial + " for " + host + " in 30 s", last);
  }

  private static String plainGet(InetSocketAddress router, String host, String path)
      throws Exception {
    try (Socket s = new Socket(router.getAddress(), router.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  /** Loops of HTTPS requests, each on a new connection (so each handshake picks a certificate). */
  static final class HttpsLoad implements AutoCloseable {
    final Map<BigInteger, LongAdder> bySerial = new ConcurrentHashMap<>();
    final LongAdder failures = new LongAdder();
    final List<String> samples = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    HttpsLoad(SSLContext ctx, InetSocketAddress address, String host, int loops) {
      for (int i = 0; i < loops; i++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (running.get()) {
                        try {
                          Answer a = get(ctx, address, host);
                          if (a.status() != 200) throw new AssertionError("HTTP " + a.status());
                          bySerial
                              .computeIfAbsent(serial(a.leaf()), x -> new LongAdder())
                              .increment();
                        } catch (Exception | AssertionError e) {
                          failures.increment();
                          if (samples.size() < 10) samples.add(e.toString());
                        }
                      }
                    }));
      }
    }

    long total() {
      return bySerial.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void awaitRequests(long n) throws InterruptedException {
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (total() < n && System.nanoTime() < end) Thread.sleep(20);
    }

    void awaitSerial(BigInteger serial, long n) throws InterruptedException {
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < end) {
        LongAdder c = bySerial.get(serial);
        if (c != null && c.sum() >= n) return;
        Thread.sleep(20);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) t.join();
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
