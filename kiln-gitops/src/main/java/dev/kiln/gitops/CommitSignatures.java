package dev.kiln.gitops;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The signature git put in a commit and what it signs. A signed commit object is the unsigned one
 * with a {@code gpgsig} header (continuation lines start with a space) inserted after the
 * committer: the signed payload is the object without that header. SSH signatures (git's {@code
 * gpg.format=ssh}) are verified against an allowed signers file, OpenPGP ones (git's default {@code
 * gpg}) against a file of allowed OpenPGP public keys; a signature of a kind no file was given for,
 * or an X.509 one, is reported as a bad signature saying so, never as good.
 */
public final class CommitSignatures {
  /** git signs commits in this SSHSIG namespace. */
  static final String NAMESPACE = "git";

  private final Optional<AllowedSigners> ssh;
  private final Optional<GpgKeys> gpg;
  private final Clock clock;

  public CommitSignatures(AllowedSigners allowed) {
    this(Optional.of(allowed), Optional.empty(), Clock.systemUTC());
  }

  public CommitSignatures(Optional<AllowedSigners> ssh, Optional<GpgKeys> gpg) {
    this(ssh, gpg, Clock.systemUTC());
  }

  /**
   * SSH signers, OpenPGP keys, or both (a range may mix SSH- and GPG-signed commits); {@code clock}
   * says when "now" is for OpenPGP key expiry.
   */
  public CommitSignatures(Optional<AllowedSigners> ssh, Optional<GpgKeys> gpg, Clock clock) {
    if (ssh.isEmpty() && gpg.isEmpty())
      throw new GitOpsException("no allowed signers: give an allowed signers file or OpenPGP keys");
    this.ssh = ssh;
    this.gpg = gpg;
    this.clock = clock;
  }

  /** A raw commit split into its signature and the bytes it signs. */
  record Split(Optional<String> signature, byte[] payload) {}

  static Split split(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1); // byte-for-byte round trip
    int headersEnd = text.indexOf("\n\n");
    if (headersEnd < 0) headersEnd = text.length();
    @org.jspecify.annotations.Nullable StringBuilder signature = null;
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    int pos = 0;
    boolean inSig = false;
    while (pos < text.length()) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? text.length() : nl + 1;
      String line = text.substring(pos, end);
      boolean header = pos < headersEnd;
      if (header && signature == null && line.startsWith("gpgsig ")) {
        signature = new StringBuilder(strip(line.substring("gpgsig ".length())));
        inSig = true;
      } else if (header && inSig && signature != null && line.startsWith(" ")) {
        signature.append('\n').append(strip(line.substring(1)));
      } else {
        inSig = false;
        payload.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
      }
      pos = end;
    }
    return new Split(
        Optional.ofNullable(signature)
            .map(
                s ->
                    new String(
                        s.toString().getBytes(StandardCharsets.ISO_8859_1),
                        StandardCharsets.UTF_8)),
        payload.toByteArray());
  }

  private static String strip(String line) {
    return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
  }

  /** The verdict on one raw commit object, committed at {@code committedAt}. */
  public SignatureVerdict verify(byte[] rawCommit, Instant committedAt) {
    Split s = split(rawCommit);
    if (s.signature().isEmpty()) return new SignatureVerdict.Unsigned();
    String armored = s.signature().get();
    if (GpgSignature.isArmored(armored))
      return gpg.map(keys -> GpgSignature.verify(keys, armored, s.payload(), clock.instant()))
          .orElseGet(
              () ->
                  new SignatureVerdict.Bad(
                      "an OpenPGP signature, and no OpenPGP key is allowed (--allowed-gpg-keys)"));
    if (!SshSignature.isArmored(armored))
      return new SignatureVerdict.Bad(
          "a signature that is neither SSH nor OpenPGP (X.509?); those are not verified");
    if (ssh.isEmpty())
      return new SignatureVerdict.Bad(
          "an SSH signature, and no SSH key is allowed (--allowed-signers)");
    AllowedSigners allowed = ssh.get();
    SshSignature sig;
    try {
      sig = SshSignature.parse(armored);
    } catch (GitOpsException e) {
      return new SignatureVerdict.Bad(e.getMessage());
    }
    if (!sig.namespace().equals(NAMESPACE))
      return new SignatureVerdict.Bad(
          "signed in namespace \"" + sig.namespace() + "\", not \"" + NAMESPACE + "\"");
    if (!sig.verifies(s.payload(), NAMESPACE))
      return new SignatureVerdict.Bad(
          "the signature by " + sig.fingerprint() + " does not verify (commit altered?)");
    return allowed
        .principalsFor(sig.publicKey(), NAMESPACE, committedAt)
        .<SignatureVerdict>map(p -> new SignatureVerdict.Signed(p, sig.fingerprint()))
        .orElseGet(
            () ->
                new SignatureVerdict.Bad(
                    "signed by "
                        + sig.fingerprint()
                        + ", a key not allowed by "
                        + allowed.file()
                        + " (for namespace git at the commit's time)"));
  }
}
