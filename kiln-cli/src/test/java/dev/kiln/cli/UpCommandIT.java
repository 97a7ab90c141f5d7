package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln up}: bakes, applies, shows the fleet healthy, and stops every instance at the end.
 */
class UpCommandIT {
  @TempDir Path tmp;

  @Test
  void up_bakesAppliesShowsHealthyFleetAndStopsItCleanly() throws Exception {
    Path file = BusyboxProject.hello(tmp.resolve("project"), "hello\n", 2);
    Path home = tmp.resolve("home");
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code =
          Main.run(
              "up",
              "--home",
              home.toString(),
              "-f",
              file.toString(),
              "--api",
              "127.0.0.1:0",
              "--router",
              "127.0.0.1:0",
              "--once");
    } finally {
      System.setOut(saved);
    }
    String out = captured.toString();
    assertThat(code).as(out).isZero();
    assertThat(out).contains("web").contains("2/2").contains("kiln up: stopped.");
    // Every instance was stopped and removed: nothing is left for the next start to adopt.
    Path instances = home.resolve("instances");
    if (Files.isDirectory(instances)) {
      try (Stream<Path> s = Files.list(instances)) {
        assertThat(s.filter(p -> Files.exists(p.resolve("instance.json"))).toList()).isEmpty();
      }
    }
  }

  /**
   * {@code kiln up --router-tls}: the in-process router also listens for HTTPS, serving the route's
   * certificate (made here by openssl, its key in a secret) to a real TLS client that checks it.
   */
  @Test
  void upWithRouterTls_servesTheRoutesCertificateOverHttps() throws Exception {
    Path project = tmp.resolve("project");
    BusyboxProject.files(project, "hello tls\n");
    Path certs = Files.createDirectories(project.resolve("certs"));
    Path home = tmp.resolve("home");
    Path secrets = Files.createDirectories(home.resolve("secrets"));
    Path key = secrets.resolve("APP_TLS_KEY");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                certs.resolve("app.pem").toString(),
                "-days",
                "30",
                "-subj",
                "/CN=app.example.org",
                "-addext",
                "subjectAltName=DNS:app.example.org")
            .redirectErrorStream(true)
            .start();
    String opensslOut = new String(openssl.getInputStream().readAllBytes());
    assertThat(openssl.waitFor()).as(opensslOut).isZero();
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Path file = project.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          hello:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        services:
          web:
            image: hello
            replicas: 1
            health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route:
              host: app.example.org
              tls: { cert: certs/app.pem, key: APP_TLS_KEY }
        """);
    var cli = KilnCommand.commandLine();
    UpCommand up = (UpCommand) cli.getSubcommands().get("up").getCommand();
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true));
    java.util.concurrent.CompletableFuture<Integer> code =
        new java.util.concurrent.CompletableFuture<>();
    Thread running =
        Thread.ofPlatform()
            .start(
                () ->
                    code.complete(
                        cli.execute(
                            "up",
                            "--home",
                            home.toString(),
                            "-f",
                            file.toString(),
                            "--api",
                            "127.0.0.1:0",
                            "--router",
                            "127.0.0.1:0",
                            "--router-tls",
                            "127.0.0.1:0")));
    String body;
    try {
      int port = awaitHttpsPort(captured, code);
      body = awaitHttps(port, "app.example.org", certs.resolve("app.pem"));
    } finally {
      up.stop();
      running.join(java.time.Duration.ofSeconds(120).toMillis());
      System.setOut(saved);
    }
    String out = captured.toString();
    assertThat(body).as(out).startsWith("HTTP/1.1 200").endsWith("hello tls\n");
    assertThat(code.getNow(-1)).as(out).isZero();
    assertThat(out).contains("kiln up: stopped.");
  }

  /** The HTTPS port {@code kiln up} prints in its first line. */
  private static int awaitHttpsPort(
      ByteArrayOutputStream out, java.util.concurrent.CompletableFuture<Integer> code)
      throws InterruptedException {
    var pattern = java.util.regex.Pattern.compile("https://127\\.0\\.0\\.1:(\\d+)");
    long end = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < end && !code.isDone()) {
      var m = pattern.matcher(out.toString());
      if (m.find()) return Integer.parseInt(m.group(1));
      Thread.sleep(100);
    }
    throw new AssertionError("kiln up printed no https:// address:\n" + out);
  }

  /** GET / over TLS with SNI {@code host}, trusting only {@code cert}, until it answers 200. */
  private static String awaitHttps(int port, String host, Path cert) throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(cert)) {
      trust.setCertificateEntry(
          "app",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    var tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    long end = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
    String last = "nothing";
    while (System.nanoTime() < end) {
      try (var s =
          (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        var params = s.getSSLParameters();
        params.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
        s.setSSLParameters(params);
        s.startHandshake();
        s.getOutputStream()
            .write(
                ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        last =
            new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (last.startsWith("HTTP/1.1 200")) return last;
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no HTTPS answer from the router in 90 s; last: " + last);
  }

  @Test
  void up_withEnv_runsThatEnvironmentOnItsOwnRouter() throws Exception {
    Path project = tmp.resolve("project");
    BusyboxProject.files(project, "hello\n");
    int stagingPort;
    int productionPort;
    try (java.net.ServerSocket a = new java.net.ServerSocket(0);
        java.net.ServerSocket b = new java.net.ServerSocket(0)) {
      stagingPort = a.getLocalPort();
      productionPort = b.getLocalPort();
    }
    Path file = project.resolve("kiln.yaml");
    Files.writeString(
        file,
        BusyboxProject.blueprint(2)
            + """
        environments:
          staging:
            router: 127.0.0.1:%d
            services:
              web: { replicas: 1 }
          production:
            router: 127.0.0.1:%d
            promotion: { from: staging, soak: 10m }
        """
                .formatted(stagingPort, productionPort));
    Path home = tmp.resolve("home");
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code =
          Main.run(
              "up",
              "--home",
              home.toString(),
              "-f",
              file.toString(),
              "--env",
              "staging",
              "--api",
              "127.0.0.1:0",
              "--router",
              "127.0.0.1:0",
              "--once");
    } finally {
      System.setOut(saved);
    }
    String out = captured.toString();
    assertThat(code).as(out).isZero();
    assertThat(out)
        .contains("kiln up --env staging — router http://127.0.0.1:" + stagingPort)
        .contains("staging--web")
        .contains("1/1")
        .doesNotContain("production--web")
        .contains("kiln up: stopped.");
  }
}
