package dev.kiln.image;

import java.util.Optional;

/**
 * What happens to a tested image before it is tagged: signed with the host key when there is one
 * (an unsigned image is allowed; {@code kiln keygen} makes a key, the CLI says so).
 */
final class BakerFinish {
  private BakerFinish() {}

  /** Signs the image if a host key exists; returns the key id that signed it. */
  static Optional<String> signAndDescribe(ImageStore store, Descriptor manifest, BakeOptions options) {
    Optional<HostKey> key = options.keysDir().flatMap(HostKey::loadIfPresent);
    key.ifPresent(k -> ImageSigner.sign(store, manifest, k));
    return key.map(HostKey::keyId);
  }
}
