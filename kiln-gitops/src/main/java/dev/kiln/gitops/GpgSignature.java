package dev.kiln.gitops;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.bcpg.sig.IssuerFingerprint;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * An OpenPGP signature as {@code gpg --detach-sign --armor} makes it for git ({@code -----BEGIN PGP
 * SIGNATURE-----} in the {@code gpgsig} header), checked with BouncyCastle against {@link GpgKeys}:
 * the signature must verify over the commit without its {@code gpgsig} header, by a key in the file
 * that the file does not revoke and that has not expired, neither when the signature was made (its
 * creation time) nor now: the creation time is the signer's to choose, so a key that has expired
 * could otherwise sign "in the past" (git verify-commit refuses an expired key's signature too).
 * The signer is reported as the primary key's user id and fingerprint.
 */
final class GpgSignature {
  static final String ARMOR_BEGIN = "-----BEGIN PGP SIGNATURE-----";

  private GpgSignature() {}

  static boolean isArmored(String s) {
    return s.startsWith(ARMOR_BEGIN);
  }

  static SignatureVerdict verify(GpgKeys keys, String armored, byte[] payload, Instant now) {
    PGPSignature sig;
    try {
      sig = parse(armored);
    } catch (IOException | PGPException | RuntimeException e) {
      return new SignatureVerdict.Bad(
          "an OpenPGP signature Kiln cannot read (" + e.getMessage() + ")");
    }
    int type = sig.getSignatureType();
    if (type != PGPSignature.BINARY_DOCUMENT && type != PGPSignature.CANONICAL_TEXT_DOCUMENT)
      return new SignatureVerdict.Bad(
          "an OpenPGP signature of type 0x" + Integer.toHexString(type) + ", not over a document");
    long keyId = issuer(sig);
    List<GpgKeys.Found> candidates = keys.find(keyId);
    if (candidates.isEmpty())
      return new SignatureVerdict.Bad(
          "signed by OpenPGP key " + keyIdHex(keyId) + ", a key not in " + keys.file());
    Instant when = sig.getCreationTime().toInstant();
    for (GpgKeys.Found f : candidates) {
      if (!verifies(sig, f.key(), payload)) continue;
      String who = f.userId() + " (" + f.fingerprint() + ")";
      if (!f.key().isMasterKey() && !maySign(f.key()))
        return new SignatureVerdict.Bad(
            "signed by "
                + who
                + " with subkey "
                + GpgKeys.fingerprint(f.key())
                + ", which its binding signature does not allow to sign");
      // a signing subkey answers for its primary key: both must be unrevoked and unexpired
      List<PGPPublicKey> chain =
          f.key().isMasterKey() ? List.of(f.key()) : List.of(f.primary(), f.key());
      for (PGPPublicKey k : chain) {
        String what = k.isMasterKey() ? "key" : "signing subkey " + GpgKeys.fingerprint(k);
        if (k.hasRevocation())
          return new SignatureVerdict.Bad(
              "signed by " + who + ", whose " + what + " is revoked in " + keys.file());
        Instant created = k.getCreationTime().toInstant();
        if (when.isBefore(created))
          return new SignatureVerdict.Bad(
              "signed by "
                  + who
                  + " at "
                  + when
                  + ", before its "
                  + what
                  + " was created ("
                  + created
                  + ")");
        long valid = k.getValidSeconds();
        Instant expires = created.plusSeconds(valid);
        if (valid > 0 && !when.isBefore(expires))
          return new SignatureVerdict.Bad(
              "signed by "
                  + who
                  + " at "
                  + when
                  + ", after its "
                  + what
                  + " expired ("
                  + expires
                  + ")");
        if (valid > 0 && !now.isBefore(expires))
          return new SignatureVerdict.Bad(
              "signed by "
                  + who
                  + ", whose "
                  + what
                  + " expired at "
                  + expires
                  + " (extend it with gpg --quick-set-expire and export it again)");
      }
      return new SignatureVerdict.Signed(f.userId(), f.fingerprint());
    }
    return new SignatureVerdict.Bad(
        "the OpenPGP signature by "
            + candidates.get(0).userId()
            + " ("
            + candidates.get(0).fingerprint()
            + ") does not verify (commit altered?)");
  }

  private static PGPSignature parse(String armored) throws IOException, PGPException {
    try (InputStream in =
        PGPUtil.getDecoderStream(
            new ByteArrayInputStream(armored.getBytes(StandardCharsets.UTF_8)))) {
      Object o = new BcPGPObjectFactory(in).nextObject();
      if (o instanceof PGPCompressedData c)
        o = new BcPGPObjectFactory(c.getDataStream()).nextObject();
      if (!(o instanceof PGPSignatureList list) || list.isEmpty())
        throw new PGPException("no signature packet");
      return list.get(0);
    }
  }

  /** The issuer's key id: the issuer subpacket, or the low 64 bits of the issuer fingerprint. */
  private static long issuer(PGPSignature sig) {
    if (sig.getKeyID() != 0) return sig.getKeyID();
    IssuerFingerprint fp =
        sig.getHashedSubPackets() == null ? null : sig.getHashedSubPackets().getIssuerFingerprint();
    if (fp == null) return 0;
    byte[] f = fp.getFingerprint();
    long id = 0;
    for (int i = f.length - 8; i < f.length; i++) id = (id << 8) | (f[i] & 0xff);
    return id;
  }

  /** Whether a subkey's binding signature (in the file) gives it the sign-data flag. */
  private static boolean maySign(PGPPublicKey subkey) {
    Iterator<PGPSignature> bindings = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
    while (bindings.hasNext()) {
      PGPSignature b = bindings.next();
      if (b.getHashedSubPackets() != null
          && (b.getHashedSubPackets().getKeyFlags() & KeyFlags.SIGN_DATA) != 0) return true;
    }
    return false;
  }

  private static boolean verifies(PGPSignature sig, PGPPublicKey key, byte[] payload) {
    try {
      sig.init(new BcPGPContentVerifierBuilderProvider(), key);
      sig.update(payload);
      return sig.verify();
    } catch (PGPException | RuntimeException e) {
      return false;
    }
  }

  static String keyIdHex(long id) {
    return String.format(Locale.ROOT, "%016X", id);
  }
}
