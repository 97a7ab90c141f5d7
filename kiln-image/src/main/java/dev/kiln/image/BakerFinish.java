package dev.kiln.image;

import java.util.Optional;

/**
 * What happens to a tested image before it is tagged: its SBOM is attached, and it is signed with
 * the host key when there is one. An unsigned image is allowed ({@code kiln keygen} makes a key,
 * the CLI says so): a bake should not need setup to work the first time.
 */
final class BakerFinish {
  private BakerFinish() {}

  /** Attaches the SBOM, signs the image if a host key exists; returns the key id that signed it. */
  static Optional<String> signAndDescribe(
      ImageStore store, Descriptor manifest, BakeOptions options) {
    // An unchanged rebake gives the same manifest, which already has its SBOM (a full read of
    // every layer: the slowest part of a fully cached bake otherwise).
    if (store.referrers(manifest.digest(), Optional.of(MediaTypes.CYCLONEDX)).isEmpty()) {
      Sbom.attach(store, manifest);
    }
    Optional<HostKey> key = options.keysDir().flatMap(HostKey::loadIfPresent);
    key.ifPresent(k -> ImageSigner.sign(store, manifest, k));
    return key.map(HostKey::keyId);
  }
}
