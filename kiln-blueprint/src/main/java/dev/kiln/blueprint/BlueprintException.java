package dev.kiln.blueprint;

import dev.kiln.model.KilnException;
import java.util.List;
import java.util.stream.Collectors;

/** A blueprint that cannot be used, with every problem found in it (sorted by position). */
public final class BlueprintException extends KilnException {
  private final List<Problem> problems;

  public BlueprintException(List<Problem> problems) {
    super(describe(problems));
    if (problems.isEmpty())
      throw new IllegalArgumentException("a BlueprintException needs a problem");
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  private static String describe(List<Problem> problems) {
    if (problems.size() == 1) return problems.get(0).toString();
    return "the blueprint has "
        + problems.size()
        + " problems:\n"
        + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
  }
}
