package dev.kiln.runtime;

/**
 * What a driver can guarantee, so that callers (and the conformance suite) can tell a missing
 * feature from a bug — in the spirit of Nomad's {@code DriverCapabilities}.
 *
 * @param isolation how far instances are separated from the host
 * @param readOnlyRoot whether a write outside volumes and /tmp fails inside the instance
 * @param volumes whether declared volumes are mounted at their paths
 * @param signals whether stop sends a catchable signal before killing
 * @param logStreaming whether stdout/stderr are captured and readable while the instance runs
 * @param reattach whether a new driver object adopts the instances of an earlier one
 * @param exec whether a command can be run inside a running instance (health {@code exec} probes)
 * @param resourceLimits whether {@link dev.kiln.model.Resources} limits are enforced (otherwise
 *     only recorded)
 */
public record Capabilities(
    Isolation isolation,
    boolean readOnlyRoot,
    boolean volumes,
    boolean signals,
    boolean logStreaming,
    boolean reattach,
    boolean exec,
    boolean resourceLimits) {

  public enum Isolation {
    /** A plain host process: no filesystem or namespace isolation. */
    NONE,
    /** Namespaces and a read-only root (bubblewrap). */
    SANDBOX,
    /** A container managed by an engine. */
    CONTAINER
  }
}
