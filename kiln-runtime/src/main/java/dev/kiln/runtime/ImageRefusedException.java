package dev.kiln.runtime;

import dev.kiln.model.Digest;

/**
 * An image source refused to hand out an image (its signature does not verify with the trusted
 * key). Unlike other start failures, retrying cannot help: the control plane aborts the rollout
 * that wanted it. Drivers pass it through unwrapped (it is a {@link RuntimeDriverException}).
 */
public final class ImageRefusedException extends RuntimeDriverException {
  private final Digest image;
  private final String reason;

  public ImageRefusedException(Digest image, String reason, String whatToDo) {
    this(image.toString(), image, reason, whatToDo);
  }

  /** With {@code label} naming the image in the message (e.g. its name and digest). */
  public ImageRefusedException(String label, Digest image, String reason, String whatToDo) {
    super("image " + label + " refused: " + reason + "; " + whatToDo);
    this.image = image;
    this.reason = reason;
  }

  public Digest image() {
    return image;
  }

  /** Why, in the verifier's words (without the advice). */
  public String reason() {
    return reason;
  }
}
