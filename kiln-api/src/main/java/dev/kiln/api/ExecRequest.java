package dev.kiln.api;

import java.util.List;

/** {@code POST /v1/instances/{id}/exec}: the command, as argv (no shell). */
public record ExecRequest(List<String> command) {
  public ExecRequest {
    // a request without one reads as empty: the server answers "kiln exec needs a command"
    command = command == null ? List.of() : List.copyOf(command);
  }
}
