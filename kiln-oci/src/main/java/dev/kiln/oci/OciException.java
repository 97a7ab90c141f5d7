package dev.kiln.oci;

import dev.kiln.model.KilnException;

/** A layer was refused or could not be applied, or a tree could not be handled; says which. */
public class OciException extends KilnException {
  public OciException(String message) {
    super(message);
  }

  public OciException(String message, Throwable cause) {
    super(message, cause);
  }
}
