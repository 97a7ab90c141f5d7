package dev.kiln.controller;

import java.util.List;

/**
 * A promotion (or an apply to an environment with {@code promotion:}) that the evidence does not
 * support: {@link #getMessage()} says why and what would change it; the evidence that was checked
 * comes with it. A 409 at the API's edge: the request is fine, the state forbids it.
 */
public final class PromotionRefusedException extends ControllerException {
  private final List<String> evidence;

  public PromotionRefusedException(String message, List<String> evidence) {
    super(message);
    this.evidence = List.copyOf(evidence);
  }

  public List<String> evidence() {
    return evidence;
  }
}
