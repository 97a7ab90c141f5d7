package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Route;
import dev.kiln.testkit.TestCa;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router terminating TLS, with certificates from a CA the test makes, against the JDK's TLS
 * client, curl and openssl s_client.
 */
@org.junit.jupiter.api.Timeout(180)
class RouterTlsIT {
  @TempDir static Path dir;
  static TestCa ca;
  static TestCa.Leaf shop, apps, fallback, shopNext, other;
  static SSLContext client;

  private TestBackend shopBackend, appsBackend, anyBackend;
  private Router router;

  @BeforeAll
  static void certificates() throws Exception {
    ca = new TestCa(dir);
    shop = ca.issue("shop", 30, "shop.test");
    apps = ca.issue("apps", "rsa", 30, "*.apps.test");
    fallback = ca.issue("fallback", 30, "fallback.test");
    shopNext = ca.renew(shop, "shop-next", 60);
    other = ca.issue("other", 30, "other.test");
    client = ca.clientContext();
  }

  @BeforeEach
  void backends() throws Exception {
    shopBackend = TestBackend.start("shop-1");
    appsBackend = TestBackend.start("apps-1");
    anyBackend = TestBackend.start("any-1");
  }

  @AfterEach
  void stop() {
    if (router != null) router.close();
    for (var b : List.of(shopBackend, appsBackend, anyBackend)) b.close();
  }

  /** shop.test has its own file (copied, so a test may rewrite it), *.apps.test a wildcard. */
  private RouteTable table(long version, Path shopChain) throws Exception {
    return new RouteTable(
        version,
        List.of(
            ServiceRoute.of(
                    "shop", new Route("shop.test", "/"), List.of(shopBackend.backend("1", 1)))
                .withTls(
                    new TlsSite(
                        shopChain, TestSites.keyPem(shop), true, TlsSite.DEFAULT_HSTS_SECONDS)),
            ServiceRoute.of(
                    "apps", new Route("*.apps.test", "/"), List.of(appsBackend.backend("1", 1)))
                .withTls(TestSites.site(apps)),
            ServiceRoute.of("any", new Route("*", "/"), List.of(anyBackend.backend("1", 1)))
                .withTls(TestSites.site(fallback))));
  }

  private Path shopCopy() throws Exception {
    Path p = Files.createTempFile(dir, "shop-served", ".pem");
    Files.copy(shop.chain(), p, StandardCopyOption.REPLACE_EXISTING);
    return p;
  }

  private Router start(RouteTable t) {
    return RouterFixture.start(
        t,
        b ->
            b.tlsListeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
                .certificateCheckInterval(Duration.ofMillis(100)));
  }

  private InetSocketAddress https() {
    return router.tlsAddresses().get(0);
  }

  private RawHttp.Response getTls(String host, String path) throws Exception {
    try (var s = TestCa.connect(client, https(), host)) {
      return RawHttp.over(s).exchange(RawHttp.get(path, host));
    }
  }

  private String subjectServedTo(String serverName) throws Exception {
    try (var s = TestCa.connect(client, https(), serverName)) {
      return TestCa.peer(s).getSubjectX500Principal().getName();
    }
  }

  @Test
  void sniPicksEachRoutesCertificateAndAWildcardServesSubdomains() throws Exception {
    router = start(table(1, shopCopy()));

    var r = getTls("shop.test", "/cart");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-backend")).isEqualTo("shop-1");
    assertThat(r.header("x-seen-x-forwarded-proto")).isEqualTo("https");
    // netty-tcnative (BoringSSL) from Maven Central loads here: the router runs on OpenSSL
    assertThat(TlsContexts.provider()).isEqualTo(io.netty.handler.ssl.SslProvider.OPENSSL);
    assertThat(subjectServedTo("shop.test")).isEqualTo("CN=shop.test");
    assertThat(getTls("eu.apps.test", "/").header("x-backend")).isEqualTo("apps-1");
    assertThat(subjectServedTo("eu.apps.test")).isEqualTo("CN=*.apps.test");
    assertThat(getTls("fallback.test", "/").header("x-backend")).isEqualTo("any-1");

    // curl, with its own TLS stack and verification, through SNI
    int port = https().getPort();
    String curl =
        TestCa.run(
            "curl",
            "-sS",
            "--cacert",
            ca.caCert.toString(),
            "--resolve",
            "us.apps.test:" + port + ":127.0.0.1",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{ssl_verify_result}",
            "https://us.apps.test:" + port + "/x");
    assertThat(curl).isEqualTo("200 0");

    // openssl s_client: SNI selects the subject; TLS 1.1 is refused
    String sClient =
        TestCa.run(
            "openssl",
            "s_client",
            "-connect",
            "127.0.0.1:" + port,
            "-servername",
            "shop.test",
            "-CAfile",
            ca.caCert.toString(),
            "-verify_return_error");
    assertThat(sClient).contains("subject=CN = shop.test").contains("Verify return code: 0 (ok)");
    assertThatThrownBy(
            () ->
                TestCa.run(
                    "openssl",
                    "s_client",
                    "-connect",
                    "127.0.0.1:" + port,
                    "-servername",
                    "shop.test",
                    "-tls1_1"))
        .hasMessageContaining("failed");
    assertThat(router.certificates())
        .extracting(CertificateStatus::host)
        .containsExactlyInAnyOrder("shop.test", "*.apps.test", "*");
  }

  @Test
  void aRouteWithRedirectSendsPlainHttpToHttpsAndHttpsCarriesHsts() throws Exception {
    router = start(table(1, shopCopy()));
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      var r = c.exchange(RawHttp.get("/cart?id=7", "shop.test"));
      assertThat(r.status()).isEqualTo(308);
      assertThat(r.header("location"))
          .isEqualTo("https://shop.test:" + https().getPort() + "/cart?id=7");
    }
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      // a route without redirect stays on plain HTTP
      assertThat(c.exchange(RawHttp.get("/", "eu.apps.test")).header("x-backend"))
          .isEqualTo("apps-1");
    }
    assertThat(shopBackend.hits.get()).isZero();
    var secure = getTls("shop.test", "/");
    assertThat(secure.header("strict-transport-security")).isEqualTo("max-age=31536000");
    assertThat(getTls("eu.apps.test", "/").header("strict-transport-security")).isNull();
  }

  @Test
  void aChangedCertificateFileIsServedWithoutRestartAndWithoutAFailedRequest() throws Exception {
    Path served = shopCopy();
    router = start(table(1, served));
    long firstSerial;
    try (var s = TestCa.connect(client, https(), "shop.test")) {
      firstSerial = TestCa.peer(s).getSerialNumber().longValue();
    }
    // a keep-alive connection from before the reload must keep working after it
    var before = TestCa.connect(client, https(), "shop.test");
    var beforeHttp = RawHttp.over(before);
    assertThat(beforeHttp.exchange(RawHttp.get("/", "shop.test")).status()).isEqualTo(200);

    var stop = new AtomicBoolean();
    var ok = new AtomicInteger();
    var failures = new ConcurrentLinkedQueue<String>();
    var serials = new ConcurrentLinkedQueue<Long>();
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      load.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      try (var s = TestCa.connect(client, https(), "shop.test")) {
                        serials.add(TestCa.peer(s).getSerialNumber().longValue());
                        var r = RawHttp.over(s).exchange(RawHttp.get("/", "shop.test"));
                        if (r.status() == 200) ok.incrementAndGet();
                        else failures.add("status " + r.status());
                      } catch (Exception e) {
                        failures.add(e.toString());
                      }
                    }
                  }));
    }
    awaitOr(() -> ok.get() >= 50, failures);
    // replace the file the way a certificate tool does: write aside, rename over
    Path next = Files.createTempFile(dir, "next", ".pem");
    Files.copy(shopNext.chain(), next, StandardCopyOption.REPLACE_EXISTING);
    Files.move(next, served, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    long nextSerial;
    try (var in = Files.newInputStream(shopNext.chain())) {
      nextSerial =
          ((java.security.cert.X509Certificate)
                  java.security.cert.CertificateFactory.getInstance("X.509")
                      .generateCertificate(in))
              .getSerialNumber()
              .longValue();
    }
    awaitOr(() -> serials.contains(nextSerial), failures);
    int atReload = ok.get();
    awaitOr(() -> ok.get() >= atReload + 50, failures);
    stop.set(true);
    for (Thread t : load) t.join();

    assertThat(failures).isEmpty();
    assertThat(serials).contains(firstSerial, nextSerial);
    assertThat(beforeHttp.exchange(RawHttp.get("/", "shop.test")).status()).isEqualTo(200);
    assertThat(TestCa.peer(before).getSerialNumber().longValue()).isEqualTo(firstSerial);
    before.close();
    assertThat(router.prometheus()).contains("kiln_router_tls_certificate_reloads_total 1");
  }

  /** Waits for the load to get somewhere; a minute without is a hang, reported with the errors. */
  private static void awaitOr(
      java.util.function.BooleanSupplier done, java.util.Collection<String> failures)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("no progress; failures: " + failures);
      Thread.sleep(10);
    }
  }

  @Test
  void aBadCertificateIsRefusedAndTheOldOneKeepsServing() throws Exception {
    Path served = shopCopy();
    router = start(table(1, served));

    // at a swap: a certificate for another host refuses the whole swap, naming service and file
    var wrongHost =
        table(2, served)
            .with(
                ServiceRoute.of(
                        "shop", new Route("shop.test", "/"), List.of(shopBackend.backend("1", 1)))
                    .withTls(TestSites.site(other)));
    assertThatThrownBy(() -> router.swap(wrongHost))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("service shop: certificate " + other.chain())
        .hasMessageContaining("not for the route's host shop.test");
    assertThat(router.table().version()).isEqualTo(1);
    assertThat(subjectServedTo("shop.test")).isEqualTo("CN=shop.test");

    // at a reload: a file rewritten with another host's certificate is refused, the old serves
    Files.copy(other.chain(), served, StandardCopyOption.REPLACE_EXISTING);
    router.reloadCertificates();
    var status =
        router.certificates().stream()
            .filter(c -> c.host().equals("shop.test"))
            .findFirst()
            .orElseThrow();
    assertThat(status.lastError()).get().asString().contains("does not match the certificate");
    assertThat(status.subject()).isEqualTo("CN=shop.test");
    assertThat(subjectServedTo("shop.test")).isEqualTo("CN=shop.test");
    assertThat(getTls("shop.test", "/").status()).isEqualTo(200);
    String metrics = router.prometheus();
    assertThat(metrics)
        .contains(
            "kiln_router_tls_certificate_reload_failing{service=\"shop\",host=\"shop.test\"} 1")
        .contains("kiln_router_tls_certificate_reload_failures_total 1")
        .containsPattern(
            "kiln_router_tls_certificate_expiry_days\\{service=\"shop\",host=\"shop.test\"\\} (29\\.9\\d\\d|30\\.000)");

    // and a good file again clears the error
    Files.copy(shopNext.chain(), served, StandardCopyOption.REPLACE_EXISTING);
    router.reloadCertificates();
    assertThat(router.certificates()).allSatisfy(c -> assertThat(c.lastError()).isEmpty());
  }

  @Test
  void anExpiredCertificateStopsTheStartWithItsDate() throws Exception {
    var t = table(1, shopCopy());
    var later = Clock.fixed(java.time.Instant.now().plus(Duration.ofDays(45)), ZoneOffset.UTC);
    var config =
        RouterConfig.builder()
            .listeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .tlsListeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .build();
    assertThatThrownBy(() -> Router.start(config, t, Ticker.system(), later))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("service shop: certificate")
        .hasMessageContaining("the certificate expired on");
  }
}
