package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Every error the API answers: an actionable message, and for a blueprint the problems as {@code
 * file:line:column: message} (left out when there are none).
 */
public record ApiError(
    String error, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> problems) {
  public ApiError {
    problems = problems == null ? List.of() : List.copyOf(problems);
  }

  public static ApiError of(String message) {
    return new ApiError(message, List.of());
  }
}
