package dev.kiln.server;

import dev.kiln.controller.ControllerException;
import dev.kiln.model.KilnException;
import dev.kiln.runtime.ImageRefusedException;

/**
 * The API's edge: the one place that maps a domain error to an HTTP status. Domain code throws what
 * happened ({@link ServerException.NotFound}, {@link ImageRefusedException}…); it never picks a
 * status, and no status is chosen by matching message text.
 */
final class ErrorStatus {
  private ErrorStatus() {}

  static int statusOf(Throwable e) {
    return switch (e) {
      case ServerException.NotFound x -> 404;
      case ControllerException.NoSuchRevision x -> 404;
      case ServerException.Conflict x -> 409;
      case ImageRefusedException x -> 409;
      // a rollback the history cannot serve: the request is fine, the state forbids it
      case ControllerException x -> 409;
      case ServerException.DataPlaneFailed x -> 502;
      case ServerException.Unavailable x -> 503;
      case KilnException x -> 400;
      case IllegalArgumentException x -> 400;
      default -> 500;
    };
  }
}
