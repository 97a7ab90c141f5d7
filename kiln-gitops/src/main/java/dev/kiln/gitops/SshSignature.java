package dev.kiln.gitops;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * An OpenSSH signature ({@code PROTOCOL.sshsig}: the "SSHSIG" format that {@code ssh-keygen -Y
 * sign} writes and git stores in a commit's {@code gpgsig} header when {@code gpg.format=ssh}),
 * verified with the JDK: the signed data is {@code "SSHSIG" || namespace || reserved || hash
 * algorithm || H(message)}, signed by the key embedded in the signature. Whether that key may sign
 * is {@link AllowedSigners}'s question, not this class's.
 *
 * @param publicKey the signer's public-key blob
 * @param namespace what the signature is for; git signs with "git"
 * @param hashAlgorithm sha512 or sha256
 */
record SshSignature(
    byte[] publicKey, String namespace, byte[] reserved, String hashAlgorithm, byte[] signature) {
  static final String ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----";
  static final String ARMOR_END = "-----END SSH SIGNATURE-----";
  private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);

  static boolean isArmored(String text) {
    return text.strip().startsWith(ARMOR_BEGIN);
  }

  /** Parses an armored signature; a malformed one is a {@link GitOpsException} saying why. */
  static SshSignature parse(String armored) {
    String t = armored.strip();
    if (!t.startsWith(ARMOR_BEGIN) || !t.endsWith(ARMOR_END))
      throw new GitOpsException("not an SSH signature (no " + ARMOR_BEGIN + " armor)");
    String body = t.substring(ARMOR_BEGIN.length(), t.length() - ARMOR_END.length());
    byte[] blob;
    try {
      blob = Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new GitOpsException("SSH signature: bad base64: " + e.getMessage());
    }
    SshKeys.Wire w = new SshKeys.Wire(blob);
    if (!SshKeys.same(w.raw(6), MAGIC)) throw new GitOpsException("SSH signature: no SSHSIG magic");
    int version = w.uint32();
    if (version != 1)
      throw new GitOpsException("SSH signature: version " + version + " (only 1 is defined)");
    SshSignature s = new SshSignature(w.string(), w.text(), w.string(), w.text(), w.string());
    if (!w.done()) throw new GitOpsException("SSH signature: trailing bytes");
    return s;
  }

  /**
   * True when the signature is by {@link #publicKey} over {@code message} in {@code namespace}.
   * Anything else (other namespace, unknown hash, wrong key type for the signature) is false.
   */
  boolean verifies(byte[] message, String expectedNamespace) {
    if (!namespace.equals(expectedNamespace)) return false;
    String jdkHash =
        switch (hashAlgorithm) {
          case "sha512" -> "SHA-512";
          case "sha256" -> "SHA-256";
          default -> "";
        };
    if (jdkHash.isEmpty()) return false;
    try {
      byte[] h = MessageDigest.getInstance(jdkHash).digest(message);
      ByteArrayOutputStream signed = new ByteArrayOutputStream();
      signed.writeBytes(MAGIC);
      string(signed, namespace.getBytes(StandardCharsets.UTF_8));
      string(signed, reserved);
      string(signed, hashAlgorithm.getBytes(StandardCharsets.UTF_8));
      string(signed, h);
      SshKeys.Wire sig = new SshKeys.Wire(signature);
      String sigType = sig.text();
      byte[] sigBytes = sig.string();
      String keyType = SshKeys.type(publicKey);
      String jdkSig =
          switch (sigType) {
            case "ssh-ed25519" -> keyType.equals("ssh-ed25519") ? "Ed25519" : "";
            // PROTOCOL.sshsig forbids ssh-rsa (SHA-1) signatures
            case "rsa-sha2-512" -> keyType.equals("ssh-rsa") ? "SHA512withRSA" : "";
            case "rsa-sha2-256" -> keyType.equals("ssh-rsa") ? "SHA256withRSA" : "";
            case "ecdsa-sha2-nistp256" ->
                keyType.equals(sigType) ? "SHA256withECDSAinP1363Format" : "";
            case "ecdsa-sha2-nistp384" ->
                keyType.equals(sigType) ? "SHA384withECDSAinP1363Format" : "";
            case "ecdsa-sha2-nistp521" ->
                keyType.equals(sigType) ? "SHA512withECDSAinP1363Format" : "";
            default -> "";
          };
      if (jdkSig.isEmpty()) return false;
      if (sigType.startsWith("ecdsa-")) sigBytes = p1363(sigBytes, sigType);
      PublicKey key = SshKeys.publicKey(publicKey);
      Signature v = Signature.getInstance(jdkSig);
      v.initVerify(key);
      v.update(signed.toByteArray());
      return v.verify(sigBytes);
    } catch (GeneralSecurityException | GitOpsException e) {
      return false;
    }
  }

  /** RFC 5656 §3.1.2: {@code mpint r, mpint s} as the fixed-width r || s the JDK verifies. */
  private static byte[] p1363(byte[] sshSig, String sigType) {
    int n = SshKeys.fieldBytes(sigType.substring(sigType.lastIndexOf('-') + 1));
    SshKeys.Wire w = new SshKeys.Wire(sshSig);
    byte[] out = new byte[2 * n];
    fixed(new java.math.BigInteger(w.string()), out, 0, n);
    fixed(new java.math.BigInteger(w.string()), out, n, n);
    return out;
  }

  private static void fixed(java.math.BigInteger v, byte[] out, int at, int n) {
    byte[] b = v.toByteArray();
    int skip = Math.max(0, b.length - n); // an mpint's leading zero
    if (b.length - skip > n) throw new GitOpsException("ECDSA signature value too long");
    System.arraycopy(b, skip, out, at + n - (b.length - skip), b.length - skip);
  }

  String fingerprint() {
    return SshKeys.fingerprint(publicKey);
  }

  private static void string(ByteArrayOutputStream out, byte[] s) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(s.length).array());
    out.writeBytes(s);
  }
}
