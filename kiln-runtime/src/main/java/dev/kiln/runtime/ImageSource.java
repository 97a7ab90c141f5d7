package dev.kiln.runtime;

import dev.kiln.model.Digest;

/**
 * Where drivers get image content from; the image store implements it. The runtime does not trust
 * it: drivers re-hash every blob they read ({@link VerifiedBlobs}) and refuse on mismatch.
 */
public interface ImageSource {
  /**
   * Opens the image with this manifest digest.
   *
   * @throws RuntimeException (the store's own exception) saying why, if the image is unknown or its
   *     signature or digests do not verify; drivers refuse to start it and pass the reason on
   */
  ImageContent open(Digest manifestDigest);
}
