package dev.kiln.snapshot;

import dev.kiln.model.KilnException;

/**
 * A snapshot could not be written, verified or restored; the message names the member concerned.
 */
public class SnapshotException extends KilnException {
  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
