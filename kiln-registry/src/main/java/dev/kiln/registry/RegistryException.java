package dev.kiln.registry;

import dev.kiln.model.KilnException;

/** A push or pull failed; the message names the registry, repository and object concerned. */
public class RegistryException extends KilnException {
  public RegistryException(String message) {
    super(message);
  }

  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
