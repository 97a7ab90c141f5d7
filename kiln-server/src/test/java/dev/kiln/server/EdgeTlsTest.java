package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.blueprint.BlueprintException;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.RouteTable;
import dev.kiln.router.ServiceRoute;
import dev.kiln.testkit.TestCa;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * route.tls at apply and at publish, with certificates from a CA made by the test (openssl): what
 * is checked and where a refusal points, what is journaled, and what the router is handed.
 */
class EdgeTlsTest {
  @TempDir Path tmp;
  private TestCa ca;
  private TestCa.Leaf app;
  private Path home;

  private static final String YAML =
      """
      images:
        a: { from: scratch, entrypoint: [ /bin/true ] }
      services:
        web:
          image: a
          route:
            host: app.example.org
            tls:
              cert: certs/app.pem
              key: APP_TLS_KEY
              redirect: true
      """;

  @BeforeEach
  void ca() throws Exception {
    ca = new TestCa(Files.createDirectories(tmp.resolve("ca")));
    app = ca.issue("app", 30, "app.example.org");
    home = Files.createDirectories(tmp.resolve("home"));
  }

  private EdgeTls edge(Map<String, String> env) {
    return new EdgeTls(home, new Secrets(home.resolve("secrets"), env), clock());
  }

  private static Clock clock() {
    return Clock.fixed(Instant.now(), ZoneOffset.UTC);
  }

  private Submission submission(String pem) {
    return new Submission(
        YAML, Path.of("shop/kiln.yaml"), Map.of(), Optional.empty(), Map.of("certs/app.pem", pem));
  }

  private static Blueprint bp() {
    return BlueprintParser.parse(Path.of("shop/kiln.yaml"), YAML);
  }

  @Test
  void aGoodCertificate_isInstalledWithItsPublicFactsAndTheSecretsNameOnly() throws Exception {
    String key = Files.readString(app.key());
    String pem = Files.readString(app.chain());
    var installed = edge(Map.of("APP_TLS_KEY", key)).check(bp(), submission(pem));
    var c = installed.get("web");
    assertThat(c.host()).isEqualTo("app.example.org");
    assertThat(c.chainPem()).isEqualTo(pem);
    assertThat(c.keySecret()).isEqualTo("APP_TLS_KEY");
    assertThat(c.redirect()).isTrue();
    assertThat(c.hsts()).isFalse();
    assertThat(c.fingerprint()).matches("[0-9a-f]{64}");
    assertThat(c.certSubject()).isEqualTo("CN=app.example.org");
    assertThat(c.subject()).isEqualTo("web");
    assertThat(Json.write(EventCodec.encode(c))).doesNotContain("PRIVATE KEY");
  }

  @Test
  void aCertificateOfAnotherKey_isRefusedAtItsCertKey_withoutTheKeyInTheMessage() throws Exception {
    TestCa.Leaf other = ca.issue("other", 30, "app.example.org");
    String key = Files.readString(app.key());
    assertThatThrownBy(
            () ->
                edge(Map.of("APP_TLS_KEY", key))
                    .check(bp(), submission(Files.readString(other.chain()))))
        .isInstanceOf(BlueprintException.class)
        .hasMessageStartingWith("shop/kiln.yaml:9:9: service web: certificate certs/app.pem")
        .hasMessageContaining("does not match")
        .hasMessageNotContaining("PRIVATE");
  }

  @Test
  void aCertificateForAnotherHost_aMissingFile_andAMissingSecret_areEachLocated() throws Exception {
    TestCa.Leaf wrongHost =
        ca.renew(
            new TestCa.Leaf(app.chain(), app.key(), List.of("other.example.org")), "wrong", 30);
    String key = Files.readString(app.key());
    assertThatThrownBy(
            () ->
                edge(Map.of("APP_TLS_KEY", key))
                    .check(bp(), submission(Files.readString(wrongHost.chain()))))
        .hasMessageContaining("shop/kiln.yaml:9:9:")
        .hasMessageContaining("not for the route's host app.example.org");
    assertThatThrownBy(
            () ->
                edge(Map.of("APP_TLS_KEY", key))
                    .check(
                        bp(),
                        new Submission(
                            YAML, Path.of("shop/kiln.yaml"), Map.of(), Optional.empty())))
        .hasMessageContaining("shop/kiln.yaml:9:9:")
        .hasMessageContaining("not sent with the blueprint");
    assertThatThrownBy(() -> edge(Map.of()).check(bp(), submission(Files.readString(app.chain()))))
        .hasMessageContaining("shop/kiln.yaml:9:9:")
        .hasMessageContaining("APP_TLS_KEY not found");
  }

  @Test
  void changes_installNewOrChanged_removeGone_andNothingWhenEqual() throws Exception {
    var a = installed("web", "aa");
    var b = installed("api", "bb");
    assertThat(EdgeTls.changes(Map.of("web", a), Map.of("web", a))).isEmpty();
    var a2 = installed("web", "cc");
    assertThat(EdgeTls.changes(Map.of("web", a2), Map.of("web", a, "api", b)))
        .containsExactly(a2, new JournalEvent.CertificateRemoved("api", "bb"));
  }

  @Test
  void described_tellsInstalledRenewedAndRemoved_forTheApplysAnswer() {
    var a = installed("web", "aa");
    var a2 = installed("web", "cc");
    var b = installed("api", "bb");
    var n = installed("new", "dd");
    var before = Map.of("web", a, "api", b);
    var told = EdgeTls.described(EdgeTls.changes(Map.of("web", a2, "new", n), before), before);
    Optional<Instant> expiry = Optional.of(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(told)
        .containsExactly(
            new EdgeTls.CertificateChange("new", "installed", expiry),
            new EdgeTls.CertificateChange("web", "renewed", expiry),
            new EdgeTls.CertificateChange("api", "removed", Optional.empty()));
    assertThat(Json.write(Json.MAPPER.valueToTree(EdgeTls.changesView(told).get(1))))
        .isEqualTo(
            "{\"service\":\"web\",\"action\":\"renewed\",\"notAfter\":\"2027-01-01T00:00:00Z\"}");
    assertThat(Json.write(Json.MAPPER.valueToTree(EdgeTls.changesView(told).get(2))))
        .isEqualTo("{\"service\":\"api\",\"action\":\"removed\"}");
  }

  @Test
  void attach_writesTheChainByContent_andHandsTheKeyInMemory_andTheTableFileLeavesItOut()
      throws Exception {
    String key = Files.readString(app.key());
    EdgeTls edge = edge(Map.of("APP_TLS_KEY", key));
    var c = edge.check(bp(), submission(Files.readString(app.chain()))).get("web");
    ServiceRoute plain =
        ServiceRoute.of(
            "web",
            new Route("app.example.org", "/"),
            List.of(new Backend("web-1", "1", new InetSocketAddress("127.0.0.1", 9), 1)));
    var table = edge.attach(List.of(plain), Map.of("web", c));
    var site = table.get(0).tls().orElseThrow();
    assertThat(site.certChain()).startsWith(home.resolve("router/tls"));
    assertThat(Files.readString(site.certChain())).isEqualTo(c.chainPem());
    assertThat(site.redirect()).isTrue();
    assertThat(site.key().pem().strip()).isEqualTo(key.strip());

    RouteTable t = new RouteTable(3, table);
    assertThat(Json.write(TableFile.toJson(t))).doesNotContain("PRIVATE KEY");
    assertThat(TableFile.fromJson(TableFile.toJson(t)).services().get(0).tls()).isEmpty();
    assertThat(TableFile.fromJson(TableFile.toJson(t, TableFile.WITH_KEYS))).isEqualTo(t);
  }

  @Test
  void attach_keepsTheLastGoodSite_whenTheSecretLaterDisagrees() throws Exception {
    Path secrets = Files.createDirectories(home.resolve("secrets"));
    Files.writeString(secrets.resolve("APP_TLS_KEY"), Files.readString(app.key()));
    EdgeTls edge = edge(Map.of());
    var c = edge.check(bp(), submission(Files.readString(app.chain()))).get("web");
    ServiceRoute plain = ServiceRoute.of("web", new Route("app.example.org", "/"), List.of());
    var first = edge.attach(List.of(plain), Map.of("web", c)).get(0).tls();
    assertThat(first).isPresent();
    TestCa.Leaf other = ca.issue("other", 30, "other.example.org");
    Files.writeString(secrets.resolve("APP_TLS_KEY"), Files.readString(other.key()));
    assertThat(edge.attach(List.of(plain), Map.of("web", c)).get(0).tls()).isEqualTo(first);
  }

  private static JournalEvent.CertificateInstalled installed(String service, String fp) {
    return new JournalEvent.CertificateInstalled(
        service,
        service + ".example.org",
        "certs/" + service + ".pem",
        fp,
        Instant.parse("2027-01-01T00:00:00Z"),
        "CN=" + service,
        "pem",
        "KEY",
        false,
        false);
  }
}
