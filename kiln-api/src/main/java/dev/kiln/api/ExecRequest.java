package dev.kiln.api;

import java.util.List;

/** {@code POST /v1/instances/{id}/exec}: the command, as argv (no shell). */
public record ExecRequest(List<String> command) {
  public ExecRequest {
    command = List.copyOf(command);
  }
}
