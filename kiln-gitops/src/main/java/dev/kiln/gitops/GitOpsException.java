package dev.kiln.gitops;

import dev.kiln.model.KilnException;

/** Something about the followed repository or its signatures that the user must fix. */
public class GitOpsException extends KilnException {
  public GitOpsException(String message) {
    super(message);
  }

  public GitOpsException(String message, Throwable cause) {
    super(message, cause);
  }
}
