package dev.kiln.gitops;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

/**
 * The OpenPGP public keys allowed to sign commits ({@code --allowed-gpg-keys FILE}): what {@code
 * gpg --armor --export KEY...} writes, one armored block or several concatenated (a binary export
 * works too), as Flux takes its keys. A file that holds no public key, or a block that does not
 * parse (a private key, a truncated paste), is refused with the file and block number, and nothing
 * is trusted from that file.
 */
public final class GpgKeys {
  static final String ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

  private final Path file;
  private final List<PGPPublicKeyRing> rings;

  private GpgKeys(Path file, List<PGPPublicKeyRing> rings) {
    this.file = file;
    this.rings = List.copyOf(rings);
  }

  public static GpgKeys load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new GitOpsException(
          file + ": cannot read the allowed OpenPGP keys file (" + e.getMessage() + ")");
    }
    return parse(file, bytes);
  }

  static GpgKeys parse(Path file, byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    List<byte[]> blocks = new ArrayList<>();
    if (text.contains("-----BEGIN PGP PRIVATE KEY BLOCK-----"))
      throw new GitOpsException(
          file + ": holds a private key; give the public keys only (gpg --armor --export KEY)");
    if (text.contains(ARMOR_BEGIN)) {
      // ArmoredInputStream reads one block; an export of several keys made separately is several
      for (int at = text.indexOf(ARMOR_BEGIN); at >= 0; ) {
        int next = text.indexOf(ARMOR_BEGIN, at + ARMOR_BEGIN.length());
        blocks.add(
            text.substring(at, next < 0 ? text.length() : next)
                .getBytes(StandardCharsets.ISO_8859_1));
        at = next;
      }
    } else if (bytes.length > 0 && (bytes[0] & 0x80) != 0) {
      blocks.add(bytes); // a binary export: an OpenPGP packet starts with its high bit set
    }
    List<PGPPublicKeyRing> rings = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(blocks.get(i)))) {
        new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator())
            .getKeyRings()
            .forEachRemaining(rings::add);
      } catch (IOException | PGPException | RuntimeException e) {
        throw new GitOpsException(
            file
                + ": key block "
                + (i + 1)
                + " is not an OpenPGP public key ("
                + e.getMessage()
                + "); export keys with gpg --armor --export KEY");
      }
    }
    if (rings.isEmpty())
      throw new GitOpsException(
          file
              + ": no OpenPGP public key in the file (expected "
              + ARMOR_BEGIN
              + ", from gpg --armor --export KEY); nothing could pass");
    return new GpgKeys(file, rings);
  }

  /** A key with id {@code keyId} (a primary key or a subkey) and the primary key it belongs to. */
  record Found(PGPPublicKey key, PGPPublicKey primary) {
    /** The primary key's first user id, as gpg shows the signer. */
    String userId() {
      Iterator<String> ids = primary.getUserIDs();
      return ids.hasNext() ? ids.next() : "(no user id)";
    }

    String fingerprint() {
      return GpgKeys.fingerprint(primary);
    }
  }

  static String fingerprint(PGPPublicKey k) {
    return HexFormat.of().withUpperCase().formatHex(k.getFingerprint());
  }

  /** Every key in the file with that id (ids are 64 bits: a collision is possible, if unlikely). */
  List<Found> find(long keyId) {
    List<Found> out = new ArrayList<>();
    for (PGPPublicKeyRing r : rings) {
      PGPPublicKey k = r.getPublicKey(keyId);
      if (k != null) out.add(new Found(k, r.getPublicKey()));
    }
    return out;
  }

  public Path file() {
    return file;
  }

  /** How many keys (primary keys) the file allows. */
  public int size() {
    return rings.size();
  }
}
