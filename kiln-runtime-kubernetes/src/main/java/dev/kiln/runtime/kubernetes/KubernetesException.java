package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.RuntimeDriverException;

/** A failure of the kubernetes runtime, with what to do about it. */
public final class KubernetesException extends RuntimeDriverException {
  public KubernetesException(String message) {
    super(message);
  }

  public KubernetesException(String message, Throwable cause) {
    super(message, cause);
  }
}
