package dev.kiln.image;

import java.util.Optional;

/**
 * The outcome of checking an image's signature: data, not an exception, because "unsigned" and
 * "signed by someone else" are expected answers that the caller reports or acts on.
 *
 * @param reason for humans: why it is valid ("signed by …") or why not
 * @param keyId the key that signed it, when a signature was found
 */
public record Verification(boolean valid, String reason, Optional<String> keyId) {
  public static Verification ok(String keyId) {
    return new Verification(true, "signed by " + keyId, Optional.of(keyId));
  }

  public static Verification failed(String reason, Optional<String> keyId) {
    return new Verification(false, reason, keyId);
  }
}
