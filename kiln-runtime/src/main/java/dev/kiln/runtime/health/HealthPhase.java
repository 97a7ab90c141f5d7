package dev.kiln.runtime.health;

/** Where an instance stands with its health check. */
public enum HealthPhase {
  /** Started, not yet healthy, still within its start deadline. */
  STARTING,
  HEALTHY,
  /** Was healthy, then failed {@code unhealthy} times in a row. */
  UNHEALTHY,
  /** Not healthy within the start deadline; terminal — the instance is to be replaced. */
  FAILED_TO_START;

  public boolean terminal() {
    return this == FAILED_TO_START;
  }
}
