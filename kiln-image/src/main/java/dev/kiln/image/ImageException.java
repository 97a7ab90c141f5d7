package dev.kiln.image;

import dev.kiln.model.KilnException;

/** Something about an image, a layer or the image store went wrong; the message says what to do. */
public class ImageException extends KilnException {
  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
