package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.testkit.TestCa;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCSP stapling against a real responder: {@code openssl ocsp} serving the test CA's index on
 * loopback, the router fetching its answer in the background, and {@code openssl s_client -status}
 * receiving it stapled in the handshake. A certificate that names no responder gets no staple.
 */
@Timeout(120)
class RouterOcspIT {
  @TempDir Path dir;
  private Process responder;
  private Router router;
  private final List<TestBackend> backends = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (router != null) router.close();
    if (responder != null) {
      responder.destroy();
      responder.waitFor(10, TimeUnit.SECONDS);
    }
    backends.forEach(TestBackend::close);
  }

  @Test
  void aCertificateWithAResponder_isServedWithItsOcspAnswerStapled_andOneWithoutGetsNone()
      throws Exception {
    TestCa ca = new TestCa(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    URI ocsp = URI.create("http://127.0.0.1:" + port);
    TestCa.Leaf shop = ca.issueWithResponder("shop", 30, ocsp, "shop.test");
    TestCa.Leaf plain = ca.issue("plain", 30, "plain.test");
    X509Certificate leaf = first(shop.chain());
    // the CA's index: the shop certificate is valid ("V"), signed answers for a day
    Files.writeString(
        dir.resolve("index.txt"),
        "V\t"
            + java.time.format.DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC)
                .format(leaf.getNotAfter().toInstant())
            + "\t\t"
            + leaf.getSerialNumber().toString(16).toUpperCase()
            + "\tunknown\t/CN=shop.test\n");
    responder =
        new ProcessBuilder(
                "openssl",
                "ocsp",
                "-index",
                dir.resolve("index.txt").toString(),
                "-port",
                Integer.toString(port),
                "-rsigner",
                ca.caCert.toString(),
                "-rkey",
                dir.resolve("ca.key").toString(),
                "-CA",
                ca.caCert.toString(),
                "-ndays",
                "1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("responder.log").toFile())
            .start();

    TestBackend a = TestBackend.start("shop-1");
    TestBackend b = TestBackend.start("plain-1");
    backends.add(a);
    backends.add(b);
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of("shop", new Route("shop.test", "/"), List.of(a.backend("1", 1)))
                        .withTls(TestSites.site(shop)),
                    ServiceRoute.of(
                            "plain", new Route("plain.test", "/"), List.of(b.backend("1", 1)))
                        .withTls(TestSites.site(plain)))),
            c -> c.tlsListeners(List.of(new InetSocketAddress("127.0.0.1", 0))));
    assertThat(OcspStapling.supported()).as("BoringSSL with OCSP loaded").isTrue();

    // fetched in the background, off the handshake path
    Instant end = Instant.now().plus(Duration.ofSeconds(60));
    while (router.stapled("shop.test").isEmpty() && Instant.now().isBefore(end)) Thread.sleep(100);
    assertThat(router.stapled("shop.test"))
        .as("responder log: %s", Files.readString(dir.resolve("responder.log")))
        .isPresent();
    Ocsp.Answer answer =
        Ocsp.parse(router.stapled("shop.test").orElseThrow(), leaf.getSerialNumber());
    assertThat(answer.status()).isEqualTo(Ocsp.CertStatus.GOOD);
    assertThat(answer.nextUpdate()).isPresent();

    int https = router.tlsAddresses().get(0).getPort();
    String stapled = sClient(ca, https, "shop.test");
    assertThat(stapled)
        .contains("OCSP Response Status: successful")
        .contains("Cert Status: good")
        .contains("Verify return code: 0 (ok)");
    String none = sClient(ca, https, "plain.test");
    assertThat(none).contains("OCSP response: no response sent");
    assertThat(router.stapled("plain.test")).isEmpty();
  }

  private static String sClient(TestCa ca, int port, String serverName) throws Exception {
    return TestCa.run(
        "openssl",
        "s_client",
        "-connect",
        "127.0.0.1:" + port,
        "-servername",
        serverName,
        "-status",
        "-CAfile",
        ca.caCert.toString(),
        "-verify_hostname",
        serverName);
  }

  private static X509Certificate first(Path chain) throws Exception {
    try (var in = Files.newInputStream(chain)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
