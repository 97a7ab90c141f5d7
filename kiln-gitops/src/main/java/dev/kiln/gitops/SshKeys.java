package dev.kiln.gitops;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * SSH public-key blobs (RFC 4253 §6.6, RFC 8709) as JDK keys, and their {@code SHA256:}
 * fingerprints as {@code ssh-keygen -l} prints them: Ed25519, RSA and ECDSA on the NIST curves, the
 * key types {@code ssh-keygen} makes without a security key.
 */
final class SshKeys {
  private SshKeys() {}

  /** A reader of the SSH wire format: uint32-length-prefixed strings. */
  static final class Wire {
    private final ByteBuffer in;

    Wire(byte[] bytes) {
      this.in = ByteBuffer.wrap(bytes);
    }

    byte[] string() {
      if (in.remaining() < 4) throw new GitOpsException("truncated SSH data");
      int n = in.getInt();
      if (n < 0 || n > in.remaining()) throw new GitOpsException("truncated SSH data");
      byte[] out = new byte[n];
      in.get(out);
      return out;
    }

    String text() {
      return new String(string(), StandardCharsets.UTF_8);
    }

    int uint32() {
      if (in.remaining() < 4) throw new GitOpsException("truncated SSH data");
      return in.getInt();
    }

    byte[] raw(int n) {
      if (in.remaining() < n) throw new GitOpsException("truncated SSH data");
      byte[] out = new byte[n];
      in.get(out);
      return out;
    }

    boolean done() {
      return !in.hasRemaining();
    }
  }

  /**
   * The key type named at the start of a public-key blob ({@code ssh-ed25519}, {@code ssh-rsa}).
   */
  static String type(byte[] blob) {
    return new Wire(blob).text();
  }

  static PublicKey publicKey(byte[] blob) {
    Wire w = new Wire(blob);
    String type = w.text();
    try {
      return switch (type) {
        case "ssh-ed25519" -> ed25519(w.string());
        case "ssh-rsa" -> {
          BigInteger e = new BigInteger(w.string());
          BigInteger n = new BigInteger(w.string());
          yield KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        }
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> {
          String curve = w.text();
          if (!type.endsWith(curve))
            throw new GitOpsException("an " + type + " key on curve " + curve);
          yield ecdsa(curve, w.string());
        }
        default ->
            throw new GitOpsException(
                "SSH key type "
                    + type
                    + " is not supported; use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521"
                    + " keys");
      };
    } catch (GeneralSecurityException e) {
      throw new GitOpsException("malformed " + type + " key: " + e.getMessage(), e);
    }
  }

  /** RFC 5656 §3.1: the curve's name and its point, uncompressed (0x04 || x || y). */
  private static PublicKey ecdsa(String curve, byte[] q) throws GeneralSecurityException {
    String jdkCurve =
        switch (curve) {
          case "nistp256" -> "secp256r1";
          case "nistp384" -> "secp384r1";
          default -> "secp521r1";
        };
    int n = fieldBytes(curve);
    if (q.length != 1 + 2 * n || q[0] != 4)
      throw new GitOpsException(
          "an " + curve + " point must be uncompressed, " + (1 + 2 * n) + " bytes");
    java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
    p.init(new java.security.spec.ECGenParameterSpec(jdkCurve));
    java.security.spec.ECParameterSpec spec =
        p.getParameterSpec(java.security.spec.ECParameterSpec.class);
    java.security.spec.ECPoint point =
        new java.security.spec.ECPoint(
            new BigInteger(1, Arrays.copyOfRange(q, 1, 1 + n)),
            new BigInteger(1, Arrays.copyOfRange(q, 1 + n, q.length)));
    return KeyFactory.getInstance("EC")
        .generatePublic(new java.security.spec.ECPublicKeySpec(point, spec));
  }

  /** The size of a coordinate (and of r and s) on an SSH ECDSA curve. */
  static int fieldBytes(String curve) {
    return switch (curve) {
      case "nistp256" -> 32;
      case "nistp384" -> 48;
      default -> 66;
    };
  }

  /** RFC 8032 §5.1.3: y little-endian, the top bit of the last byte is x's parity. */
  private static PublicKey ed25519(byte[] raw) throws GeneralSecurityException {
    if (raw.length != 32)
      throw new GitOpsException("an ed25519 key is 32 bytes, not " + raw.length);
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) be[i] = raw[31 - i];
    boolean xOdd = (be[0] & 0x80) != 0;
    be[0] &= 0x7f;
    return KeyFactory.getInstance("Ed25519")
        .generatePublic(
            new EdECPublicKeySpec(
                NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
  }

  /** {@code SHA256:<base64 without padding>}, as {@code ssh-keygen -lf} prints it. */
  static String fingerprint(byte[] blob) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }
}
