package dev.kiln.router;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A PEM private key, as the control plane read it from a secret. Its {@code toString} never shows
 * the key, so it cannot leak into a log line, an exception message or a journaled record by
 * accident.
 */
public final class KeyPem {
  private final byte[] pem;

  private KeyPem(byte[] pem) {
    this.pem = pem.clone();
  }

  public static KeyPem of(byte[] pem) {
    return new KeyPem(pem);
  }

  public static KeyPem of(String pem) {
    return new KeyPem(pem.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The key's PEM text, for the control plane to hand it to a router process over the router's
   * authenticated admin channel; never for a log, a file or the journal.
   */
  public String pem() {
    return new String(pem, StandardCharsets.US_ASCII);
  }

  byte[] bytes() {
    return pem.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyPem k && MessageDigest.isEqual(pem, k.pem);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(pem);
  }

  @Override
  public String toString() {
    return "KeyPem[redacted]";
  }
}
