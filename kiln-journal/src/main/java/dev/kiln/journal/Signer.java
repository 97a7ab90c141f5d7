package dev.kiln.journal;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/** Signs checkpoints; the host key today, maybe a KMS or HSM tomorrow. */
public interface Signer {
  /** The JCA signature algorithm, e.g. {@code Ed25519}; verify uses the same one. */
  String algorithm();

  byte[] sign(byte[] message);

  static Signer ed25519(PrivateKey key) {
    return new Signer() {
      @Override
      public String algorithm() {
        return "Ed25519";
      }

      @Override
      public byte[] sign(byte[] message) {
        try {
          Signature s = Signature.getInstance("Ed25519");
          s.initSign(key);
          s.update(message);
          return s.sign();
        } catch (GeneralSecurityException e) {
          throw new JournalException("cannot sign a checkpoint with this key (is it Ed25519?)", e);
        }
      }
    };
  }
}
