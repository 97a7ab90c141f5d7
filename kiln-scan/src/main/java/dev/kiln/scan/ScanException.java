package dev.kiln.scan;

import dev.kiln.model.KilnException;

/** A scan could not run at all (no advisories where told, an image without an SBOM). */
public class ScanException extends KilnException {
  public ScanException(String message) {
    super(message);
  }

  public ScanException(String message, Throwable cause) {
    super(message, cause);
  }
}
