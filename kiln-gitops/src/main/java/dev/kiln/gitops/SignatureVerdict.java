package dev.kiln.gitops;

/** What a commit's signature says, against an allowed signers file. */
public sealed interface SignatureVerdict {
  /** Signed by a key listed in the allowed signers file. */
  record Signed(String principals, String fingerprint) implements SignatureVerdict {}

  /** No {@code gpgsig} header at all. */
  record Unsigned() implements SignatureVerdict {}

  /** A signature that does not verify, or by a key nobody allowed; {@code reason} says which. */
  record Bad(String reason) implements SignatureVerdict {}
}
