package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.TestCa;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DER side of stapling: responders named by AIA, requests openssl reads, answers refused. */
class OcspTest {
  @TempDir Path dir;

  @Test
  void theResponderComesFromAia_andACertificateWithoutOneNamesNone() throws Exception {
    TestCa ca = new TestCa(dir);
    var with =
        ca.issueWithResponder("with", 30, java.net.URI.create("http://127.0.0.1:9/ocsp"), "a.test");
    var without = ca.issue("without", 30, "b.test");
    assertThat(Ocsp.responder(first(with.chain())))
        .hasValue(java.net.URI.create("http://127.0.0.1:9/ocsp"));
    assertThat(Ocsp.responder(first(without.chain()))).isEmpty();
  }

  @Test
  void theRequestIsOneOpensslReads_forTheCertificatesSerial() throws Exception {
    TestCa ca = new TestCa(dir);
    var leaf = ca.issue("leaf", 30, "a.test");
    X509Certificate cert = first(leaf.chain());
    X509Certificate issuer = first(ca.caCert);
    Path req = dir.resolve("req.der");
    Files.write(req, Ocsp.request(cert, issuer));
    String text = TestCa.run("openssl", "ocsp", "-reqin", req.toString(), "-req_text");
    assertThat(text)
        .contains("Hash Algorithm: sha1")
        .contains("Serial Number: " + cert.getSerialNumber().toString(16).toUpperCase());
  }

  @Test
  void anUnsuccessfulOrUnreadableAnswer_isRefusedWithWhy() {
    // OCSPResponse { responseStatus tryLater(3) }
    assertThatThrownBy(() -> Ocsp.parse(new byte[] {0x30, 0x03, 0x0A, 0x01, 0x03}, BigInteger.ONE))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("tryLater");
    assertThatThrownBy(() -> Ocsp.parse(new byte[] {0x30, 0x7F, 0x01}, BigInteger.ONE))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("not readable DER");
  }

  private static X509Certificate first(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
