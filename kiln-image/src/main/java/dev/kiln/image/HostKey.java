package dev.kiln.image;

import dev.kiln.model.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * This host's Ed25519 signing key: {@code host.key} (PKCS#8 PEM, mode 0600) and {@code host.pub}
 * (X.509 PEM) in the keys folder (mode 0700). Both files are written to temp files and moved into
 * place atomically, the public key last, so a crash never leaves a public key without its private
 * key. The key id is the first 16 hex characters of the sha256 of the encoded public key.
 */
public final class HostKey {
  public static final String PRIVATE_FILE = "host.key";
  public static final String PUBLIC_FILE = "host.pub";
  public static final String ALGORITHM = "Ed25519";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final Path dir;

  private HostKey(PrivateKey privateKey, PublicKey publicKey, Path dir) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.dir = dir;
  }

  /** Creates the host key; refuses if one exists. */
  public static HostKey generate(Path keysDir) {
    return generate(keysDir, false);
  }

  /** Creates the host key, replacing an existing one only when {@code force}. */
  public static HostKey generate(Path keysDir, boolean force) {
    Path priv = keysDir.resolve(PRIVATE_FILE);
    if (!force && (Files.exists(priv) || Files.exists(keysDir.resolve(PUBLIC_FILE)))) {
      throw new ImageException(
          "a host key already exists in "
              + keysDir
              + "; images signed with it would no longer verify"
              + " against a new one. Use --force to replace it anyway");
    }
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      createPrivateDir(keysDir);
      writeAtomically(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
      writeAtomically(
          keysDir.resolve(PUBLIC_FILE),
          pem("PUBLIC KEY", pair.getPublic().getEncoded()),
          "rw-r--r--");
      return new HostKey(pair.getPrivate(), pair.getPublic(), keysDir);
    } catch (GeneralSecurityException e) {
      throw new ImageException("this JDK cannot generate Ed25519 keys: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException(
          "cannot write the host key to " + keysDir + ": " + e.getMessage(), e);
    }
  }

  /** Loads the host key; explains how to create one if there is none. */
  public static HostKey load(Path keysDir) {
    return loadIfPresent(keysDir)
        .orElseThrow(() -> new ImageException("no host key in " + keysDir + "; run `kiln keygen`"));
  }

  public static Optional<HostKey> loadIfPresent(Path keysDir) {
    Path priv = keysDir.resolve(PRIVATE_FILE);
    Path pub = keysDir.resolve(PUBLIC_FILE);
    if (!Files.exists(priv) && !Files.exists(pub)) return Optional.empty();
    for (Path f : new Path[] {priv, pub}) {
      if (!Files.exists(f)) {
        throw new ImageException(
            "host key in "
                + keysDir
                + " is incomplete: "
                + f
                + " is missing; run `kiln keygen --force`");
      }
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(priv);
      if (perms.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        throw new ImageException(
            "host key "
                + priv
                + " is readable by others ("
                + PosixFilePermissions.toString(perms)
                + "); run `chmod 600 "
                + priv
                + "`");
      }
      KeyFactory f = KeyFactory.getInstance(ALGORITHM);
      PrivateKey privateKey =
          f.generatePrivate(new PKCS8EncodedKeySpec(unpem(priv, "PRIVATE KEY")));
      return Optional.of(new HostKey(privateKey, readPublicKey(pub), keysDir));
    } catch (NoSuchFileException e) {
      throw new ImageException(
          "host key in "
              + keysDir
              + " is incomplete: "
              + e.getFile()
              + " is missing; run `kiln keygen --force`");
    } catch (GeneralSecurityException e) {
      throw new ImageException("host key " + priv + " is not an Ed25519 key: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("cannot read the host key in " + keysDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a public key file as written by {@link #generate} (for verifying against another host's
   * key).
   */
  public static PublicKey readPublicKey(Path file) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(unpem(file, "PUBLIC KEY")));
    } catch (NoSuchFileException e) {
      throw new ImageException("public key " + file + " does not exist");
    } catch (GeneralSecurityException e) {
      throw new ImageException(file + " is not an Ed25519 public key: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("cannot read public key " + file + ": " + e.getMessage(), e);
    }
  }

  public static String keyId(PublicKey key) {
    return Digest.of(key.getEncoded()).hex().substring(0, 16);
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  public String keyId() {
    return keyId(publicKey);
  }

  public Path privateKeyFile() {
    return dir.resolve(PRIVATE_FILE);
  }

  public Path publicKeyFile() {
    return dir.resolve(PUBLIC_FILE);
  }

  public byte[] sign(byte[] data) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(privateKey);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new ImageException("cannot sign with the host key: " + e.getMessage(), e);
    }
  }

  private static byte[] pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] unpem(Path file, String type) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN " + type + "-----");
    int end = text.indexOf("-----END " + type + "-----");
    if (begin < 0 || end < begin)
      throw new IOException(file + " is not a PEM " + type.toLowerCase());
    String body = text.substring(begin + 16 + type.length(), end).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " has a damaged PEM body: " + e.getMessage());
    }
  }

  private static void createPrivateDir(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // Tighten an existing folder: keys must not be listable by others.
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  private static void writeAtomically(Path target, byte[] content, String perms)
      throws IOException {
    Path temp =
        Files.createTempFile(
            target.getParent(),
            "." + target.getFileName(),
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(temp, content);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(perms));
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
