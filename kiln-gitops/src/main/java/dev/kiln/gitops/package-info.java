/**
 * GitOps' git side, without the server: {@link dev.kiln.gitops.GitMirror} keeps a bare clone of the
 * followed branch (JGit) and exports a commit's files for baking; {@link
 * dev.kiln.gitops.CommitSignatures} verifies each commit's SSH signature (the SSHSIG format git
 * writes with {@code gpg.format=ssh}) with the JDK's Ed25519, RSA and ECDSA, against an {@link
 * dev.kiln.gitops.AllowedSigners} file, and OpenPGP signatures (git's default, gpg) with
 * BouncyCastle against the armored public keys of {@link dev.kiln.gitops.GpgKeys}; {@link
 * dev.kiln.gitops.RangeCheck} is the pure decision that every commit of a range, not only the head,
 * is signed by an allowed signer.
 *
 * <p>Why not JGit's own verifier: JGit's SSH signature verifier ({@code
 * SshSignatureVerifierFactory}, 7.1) lives in {@code org.eclipse.jgit.ssh.apache}, which brings
 * Apache MINA sshd, and reads its allowed signers from the repository's git config. The format is
 * small and fully specified (OpenSSH's PROTOCOL.sshsig), the JDK has both signature algorithms, and
 * {@code ssh-keygen -Y sign} is the oracle in the tests. For OpenPGP, JGit's {@code
 * org.eclipse.jgit.gpg.bc} verifier looks keys up in the user's gpg keyring (pubring.kbx); Kiln's
 * trust root is a file the operator names, so the BouncyCastle calls (parse, verify, expiry,
 * revocation) are made directly on the keys from that file.
 *
 * <p>The server side (following the branch, applying, journaling) is {@code
 * dev.kiln.server.GitFollower}.
 */
package dev.kiln.gitops;
