package dev.kiln.gitops;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The signature git put in a commit and what it signs. A signed commit object is the unsigned one
 * with a {@code gpgsig} header (continuation lines start with a space) inserted after the
 * committer: the signed payload is the object without that header. SSH signatures (git's {@code
 * gpg.format=ssh}) are verified here; an OpenPGP or X.509 signature is reported as a bad signature
 * saying so, never as good.
 */
public final class CommitSignatures {
  /** git signs commits in this SSHSIG namespace. */
  static final String NAMESPACE = "git";

  private final AllowedSigners allowed;

  public CommitSignatures(AllowedSigners allowed) {
    this.allowed = allowed;
  }

  /** A raw commit split into its signature and the bytes it signs. */
  record Split(Optional<String> signature, byte[] payload) {}

  static Split split(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1); // byte-for-byte round trip
    int headersEnd = text.indexOf("\n\n");
    if (headersEnd < 0) headersEnd = text.length();
    StringBuilder signature = null;
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
      } else if (header && inSig && line.startsWith(" ")) {
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
    if (!SshSignature.isArmored(armored)) {
      String kind = armored.contains("BEGIN PGP SIGNATURE") ? "an OpenPGP" : "a non-SSH";
      return new SignatureVerdict.Bad(
          kind + " signature; only SSH signatures (git -c gpg.format=ssh) are verified");
    }
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
