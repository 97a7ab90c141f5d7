package dev.kiln.router;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Checks a certificate chain and key before the router serves them: parseable, in their validity
 * period, the key belonging to the leaf, and the leaf naming the route's host. Pure (bytes and a
 * time in, a value or a {@link RouterException} out), so every refusal is unit-tested; the message
 * names the service and the file, never the key.
 */
final class CertificateCheck {
  private CertificateCheck() {}

  /** A checked chain and key. */
  record Checked(List<X509Certificate> chain, PrivateKey key, Instant notAfter) {
    X509Certificate leaf() {
      return chain.get(0);
    }
  }

  static Checked check(String where, String host, byte[] chainPem, byte[] keyPem, Instant now) {
    List<X509Certificate> chain = chain(where, chainPem);
    X509Certificate leaf = chain.get(0);
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      throw new RouterException(
          where + ": the certificate expired on " + notAfter + "; renew it and apply again");
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new RouterException(
          where + ": the certificate is not valid before " + leaf.getNotBefore().toInstant());
    }
    PrivateKey key = key(where, keyPem);
    if (!belongsTo(key, leaf)) {
      throw new RouterException(
          where
              + ": the private key does not match the certificate ("
              + subject(leaf)
              + "); is the secret the key of this certificate?");
    }
    List<String> names = dnsNames(leaf);
    if (!host.equals("*") && !covers(names, host)) {
      throw new RouterException(
          where
              + ": the certificate is for "
              + (names.isEmpty() ? subject(leaf) + " (no DNS names)" : String.join(", ", names))
              + ", not for the route's host "
              + host);
    }
    return new Checked(chain, key, notAfter);
  }

  /**
   * Whether a certificate with these DNS names serves {@code host}. A route for {@code *.example}
   * needs the wildcard itself; a wildcard name covers exactly one label (RFC 6125 §6.4.3).
   */
  static boolean covers(List<String> names, String host) {
    String h = host.toLowerCase(Locale.ROOT);
    for (String n : names) {
      String name = n.toLowerCase(Locale.ROOT);
      if (name.equals(h)) return true;
      if (name.startsWith("*.") && !h.startsWith("*.")) {
        int dot = h.indexOf('.');
        if (dot > 0 && h.substring(dot).equals(name.substring(1))) return true;
      }
    }
    return false;
  }

  static List<String> dnsNames(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      var sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // no readable names: the host check reports it
    }
    return out;
  }

  private static List<X509Certificate> chain(String where, byte[] pem) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      var factory = CertificateFactory.getInstance("X.509");
      for (var c : factory.generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new RouterException(
          where + ": not a readable PEM certificate chain (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new RouterException(where + ": no certificate in the file (expected PEM, leaf first)");
    }
    return List.copyOf(out);
  }

  private static PrivateKey key(String where, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (text.contains("ENCRYPTED PRIVATE KEY")) {
      throw new RouterException(
          where + ": the key is encrypted; store it unencrypted in the secret");
    }
    if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
      throw new RouterException(
          where
              + ": the key is in the old PKCS#1/SEC1 form; convert it with"
              + " 'openssl pkcs8 -topk8 -nocrypt -in key.pem' and store that in the secret");
    }
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new RouterException(where + ": the key secret holds no PEM 'PRIVATE KEY'");
    }
    byte[] der;
    try {
      der =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    } catch (IllegalArgumentException e) {
      throw new RouterException(where + ": the key secret is not valid base64 PEM", e);
    }
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new RouterException(where + ": the key is not an RSA, EC or Ed25519 PKCS#8 key");
  }

  /** Signs a nonce with the key and verifies it with the certificate's public key. */
  private static boolean belongsTo(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm();
        };
    try {
      byte[] nonce = "kiln-router key check".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(nonce);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(cert.getPublicKey());
      verify.update(nonce);
      return verify.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }
}
