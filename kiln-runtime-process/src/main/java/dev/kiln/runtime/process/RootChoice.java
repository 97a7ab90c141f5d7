package dev.kiln.runtime.process;

import dev.kiln.runtime.RuntimeDriverException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The root kind a driver uses and, when it is the tree although an image was wanted, why: decided
 * once per driver from the option and what this host can do. A pure decision: {@code whyNot} says
 * why a kind cannot be used here (empty: it can), and is asked only about the kinds that matter.
 *
 * @param fallback why {@code auto} fell back to the tree (shown in {@code kiln status}), or empty
 */
record RootChoice(RootKind kind, Optional<String> fallback) {

  /**
   * {@code auto} (the default) takes the first image kind this host can use, else the tree with the
   * reasons; an explicitly named image kind that cannot be used is an error, never a silent
   * fallback; {@code tree} is always possible.
   */
  static RootChoice choose(
      String option, boolean sandboxed, Function<RootKind, Optional<String>> whyNot) {
    Optional<RootKind> named = RootKind.ofOption(option);
    if (named.isPresent()) {
      RootKind kind = named.get();
      if (kind == RootKind.TREE) return new RootChoice(kind, Optional.empty());
      Optional<String> why =
          sandboxed ? whyNot.apply(kind) : Optional.of("instances are not sandboxed (no bwrap)");
      if (why.isPresent()) {
        throw new RuntimeDriverException(
            "process runtime: option root-image="
                + kind.option
                + " cannot be used on this host: "
                + why.get()
                + " (use root-image=auto to fall back to the directory tree, or root-image=tree)");
      }
      return new RootChoice(kind, Optional.empty());
    }
    if (!sandboxed) {
      return new RootChoice(RootKind.TREE, Optional.of("instances are not sandboxed (no bwrap)"));
    }
    StringBuilder reasons = new StringBuilder();
    for (RootKind kind : RootKind.IMAGES) {
      Optional<String> why = whyNot.apply(kind);
      if (why.isEmpty()) return new RootChoice(kind, Optional.empty());
      if (!reasons.isEmpty()) reasons.append("; ");
      reasons.append(kind.option).append(": ").append(why.get());
    }
    return new RootChoice(RootKind.TREE, Optional.of(reasons.toString()));
  }
}
