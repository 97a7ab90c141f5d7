package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal of a certificate, with certificates made by a test CA (openssl). */
class CertificateCheckTest {
  @TempDir static Path dir;
  static TestCa ca;
  static TestCa.Leaf a, wildcard, other;

  @BeforeAll
  static void certificates() throws Exception {
    ca = new TestCa(dir);
    a = ca.issue("a", 10, "a.test", "www.a.test");
    wildcard = ca.issue("w", "rsa", 10, "*.apps.test");
    other = ca.issue("o", 10, "other.test");
  }

  private static CertificateCheck.Checked check(TestCa.Leaf chain, TestCa.Leaf key, String host)
      throws Exception {
    return CertificateCheck.check(
        "service web: certificate " + chain.chain(),
        host,
        Files.readAllBytes(chain.chain()),
        Files.readAllBytes(key.key()),
        Instant.now());
  }

  @Test
  void aGoodCertificateIsAcceptedForItsNames() throws Exception {
    var c = check(a, a, "www.a.test");
    assertThat(c.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=a.test");
    assertThat(c.notAfter()).isAfter(Instant.now().plus(Duration.ofDays(9)));
    assertThat(check(wildcard, wildcard, "*.apps.test").key().getAlgorithm()).isEqualTo("RSA");
    assertThat(check(a, a, "*").chain()).hasSize(1); // the catch-all route takes any certificate
  }

  @Test
  void anExpiredCertificateIsRefusedWithItsDate() throws Exception {
    byte[] chain = Files.readAllBytes(a.chain());
    byte[] key = Files.readAllBytes(a.key());
    var notAfter = check(a, a, "a.test").notAfter();
    assertThatThrownBy(
            () ->
                CertificateCheck.check(
                    "service web", "a.test", chain, key, notAfter.plusSeconds(1)))
        .isInstanceOf(RouterException.class)
        .hasMessage(
            "service web: the certificate expired on " + notAfter + "; renew it and apply again");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    assertThatThrownBy(() -> check(a, other, "a.test"))
        .hasMessageContaining("the private key does not match the certificate (CN=a.test)")
        .hasMessageStartingWith("service web: certificate " + a.chain());
  }

  @Test
  void aCertificateForAnotherHostIsRefusedNamingBoth() {
    assertThatThrownBy(() -> check(a, a, "shop.test"))
        .hasMessageEndingWith(
            "the certificate is for a.test, www.a.test, not for the route's host shop.test");
    // a route for every subdomain needs the wildcard certificate, not one of its names
    assertThatThrownBy(() -> check(a, a, "*.a.test"))
        .hasMessageContaining("not for the route's host *.a.test");
  }

  @Test
  void unreadableChainsAndKeysAreRefusedWithAHint() throws Exception {
    byte[] key = Files.readAllBytes(a.key());
    assertThatThrownBy(
            () -> CertificateCheck.check("w", "a.test", "not a pem".getBytes(), key, Instant.now()))
        .hasMessageStartingWith("w: not a readable PEM certificate chain");
    byte[] chain = Files.readAllBytes(a.chain());
    String pkcs1 = TestCa.run("openssl", "pkey", "-in", a.key().toString(), "-traditional");
    assertThatThrownBy(
            () -> CertificateCheck.check("w", "a.test", chain, pkcs1.getBytes(), Instant.now()))
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    assertThatThrownBy(
            () -> CertificateCheck.check("w", "a.test", chain, "x".getBytes(), Instant.now()))
        .hasMessage("w: the key secret holds no PEM 'PRIVATE KEY'");
  }

  @Test
  void wildcardNamesCoverOneLabel() {
    List<String> names = List.of("*.apps.test", "apps.test");
    assertThat(CertificateCheck.covers(names, "x.apps.test")).isTrue();
    assertThat(CertificateCheck.covers(names, "X.Apps.Test")).isTrue();
    assertThat(CertificateCheck.covers(names, "apps.test")).isTrue();
    assertThat(CertificateCheck.covers(names, "*.apps.test")).isTrue();
    assertThat(CertificateCheck.covers(names, "a.b.apps.test")).isFalse();
    assertThat(CertificateCheck.covers(List.of("*.apps.test"), "apps.test")).isFalse();
  }

  @Test
  void theKeyNeverShowsInTextOrMessages() throws Exception {
    String pem = Files.readString(a.key());
    String body = pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    KeyPem key = KeyPem.of(pem);
    assertThat(key.toString()).isEqualTo("KeyPem[redacted]");
    assertThat(TlsSite.of(a.chain(), key).toString()).doesNotContain(body);
    for (var leaf : List.of(a, other)) {
      try {
        check(leaf, a, "nowhere.test");
      } catch (RouterException e) {
        assertThat(e.getMessage()).doesNotContain(body);
      }
    }
  }
}
