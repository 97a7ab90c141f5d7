package dev.kiln.cli;

import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Verification;
import dev.kiln.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the image commands say about an image, computed once: size, provenance, signature. */
record ImageFacts(Digest digest, long size, String createdFrom, String signed) {
  static final String BLUEPRINT = "dev.kiln.blueprint";
  static final String BLUEPRINT_DIGEST = "dev.kiln.blueprint.digest";
  static final String BASE_NAME = "org.opencontainers.image.base.name";

  static ImageFacts of(ImageStore store, Digest digest, Optional<PublicKey> trusted) {
    ImageManifest m = store.manifest(digest);
    long size =
        store.size(digest)
            + m.config().size()
            + m.layers().stream().mapToLong(Descriptor::size).sum();
    return new ImageFacts(digest, size, createdFrom(m), signed(store, digest, trusted));
  }

  /** The blueprint that baked it, else the base it was imported as, else "-". */
  static String createdFrom(ImageManifest m) {
    String blueprint = m.annotations().get(BLUEPRINT);
    if (blueprint != null && !blueprint.isBlank()) return blueprint;
    String base = m.annotations().get(BASE_NAME);
    return base == null || base.isBlank() ? "-" : base;
  }

  /**
   * "yes (keyId)", "no", "INVALID: reason", or "unverified (keyId)" when this host has no key to
   * check with.
   */
  static String signed(ImageStore store, Digest digest, Optional<PublicKey> trusted) {
    List<String> signers = ImageSigner.signers(store, digest);
    if (signers.isEmpty()) return "no";
    if (trusted.isEmpty()) return "unverified (" + String.join(", ", signers) + ")";
    Verification v = ImageSigner.verifySignature(store, digest, trusted.get());
    return v.valid() ? "yes (" + v.keyId().orElse("?") + ")" : "INVALID: " + v.reason();
  }

  /** The host's public key, if there is one: enough to verify, no private key needed. */
  static Optional<PublicKey> trustedKey(Path keysDir) {
    Path pub = keysDir.resolve(HostKey.PUBLIC_FILE);
    return Files.isRegularFile(pub) ? Optional.of(HostKey.readPublicKey(pub)) : Optional.empty();
  }

  static String human(long bytes) {
    if (bytes < 1024) return bytes + " B";
    String[] units = {"KB", "MB", "GB", "TB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
