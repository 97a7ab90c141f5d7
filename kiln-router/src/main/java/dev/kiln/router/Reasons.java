package dev.kiln.router;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The sentences of the router's own error bodies: which service, which backend, what happened. */
final class Reasons {
  private Reasons() {}

  static String noHealthyBackend(CompiledService s, @Nullable BackendPool forced) {
    return "service "
        + s.name
        + ": no healthy backend"
        + (forced == null ? "" : " for revision " + forced.revision);
  }

  static String noSuchRevision(CompiledService s, String revision) {
    return "service " + s.name + ": no backend runs revision " + revision + " (override)";
  }

  static String unreachable(CompiledService s, BackendState b, Throwable cause) {
    return "service " + s.name + ": could not reach " + b.describe() + ": " + cause.getMessage();
  }

  static String silent(CompiledService s, BackendState b, Duration timeout) {
    return "service " + s.name + ": " + b.describe() + " did not answer within " + timeout;
  }

  static String broken(CompiledService s, BackendState b, String why) {
    return "service " + s.name + ": " + b.describe() + " " + why + " before responding";
  }
}
