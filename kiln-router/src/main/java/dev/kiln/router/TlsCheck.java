package dev.kiln.router;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The router's own certificate check, for the control plane to run at {@code kiln apply}: the same
 * rules the router applies before serving (parseable chain, in its validity period, the key
 * belonging to the leaf, the leaf naming the route's host), so that a certificate the router would
 * refuse is refused where the user can be told where it was written, before anything changed.
 */
public final class TlsCheck {
  private TlsCheck() {}

  /**
   * What the control plane may record about a certificate: public facts only, never the key.
   *
   * @param fingerprint SHA-256 of the leaf's DER, lower-case hex (what {@code openssl x509
   *     -fingerprint -sha256} prints, without the colons)
   */
  public record Facts(String subject, List<String> dnsNames, Instant notAfter, String fingerprint) {
    public Facts {
      dnsNames = List.copyOf(dnsNames);
    }
  }

  /**
   * @param where what a refusal names first, e.g. {@code kiln.yaml:12:9: service web: certificate
   *     certs/app.pem}
   * @throws RouterException saying what is wrong and what to do; its message never holds the key
   */
  public static Facts check(String where, String host, byte[] chainPem, KeyPem key, Instant now) {
    var checked = CertificateCheck.check(where, host, chainPem, key.bytes(), now);
    var leaf = checked.leaf();
    try {
      byte[] der = leaf.getEncoded();
      String fingerprint =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
      return new Facts(
          leaf.getSubjectX500Principal().getName(),
          CertificateCheck.dnsNames(leaf),
          checked.notAfter(),
          fingerprint);
    } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
      throw new RouterException(where + ": cannot encode the certificate: " + e.getMessage(), e);
    }
  }
}
