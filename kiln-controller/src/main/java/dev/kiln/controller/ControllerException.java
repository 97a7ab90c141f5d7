package dev.kiln.controller;

import dev.kiln.model.KilnException;

/**
 * A request the control plane cannot act on; the message says which service and what to do next.
 */
public class ControllerException extends KilnException {
  public ControllerException(String message) {
    super(message);
  }

  /** The request names a revision the service never had. */
  public static final class NoSuchRevision extends ControllerException {
    public NoSuchRevision(String message) {
      super(message);
    }
  }
}
