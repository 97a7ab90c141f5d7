package dev.kiln.journal;

import dev.kiln.model.KilnException;

/** The journal could not be opened, appended to or read; the message says what to do. */
public final class JournalException extends KilnException {
  public JournalException(String message) {
    super(message);
  }

  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }
}
