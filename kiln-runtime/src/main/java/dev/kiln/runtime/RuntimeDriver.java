package dev.kiln.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs immutable instances somewhere: the plug-in point behind which {@code process}, {@code
 * docker} and, later, {@code kubernetes} live. Every implementation passes the testkit's
 * conformance suite.
 *
 * <p>A driver owns the instances it starts and records enough about them that a <em>new</em> driver
 * object (after the Kiln process restarts) finds and keeps supervising them: {@link #list()}
 * adopts. Closing a driver releases its resources but never stops instances; that is what {@link
 * #stop} and {@link #destroy} are for.
 *
 * <p>Contract for failures: a {@link #start} that throws leaves nothing running and nothing
 * recorded.
 */
public interface RuntimeDriver extends AutoCloseable {

  /** The driver's name as blueprints spell it ({@code process}, {@code docker}). */
  String name();

  Capabilities capabilities();

  /**
   * Starts an instance and returns once its process runs (not once it is healthy).
   *
   * @throws RuntimeDriverException with a clear reason (image refused, command not in the image,
   *     port taken, id already used...); nothing is left running
   */
  InstanceStatus start(InstanceSpec spec);

  /** The instance's current state, or empty if this driver does not own such an instance. */
  Optional<InstanceStatus> inspect(InstanceId id);

  /**
   * Sends the stop signal, waits up to {@code grace} for the instance to exit, then kills it.
   * Returns when it has exited. Stopping an exited instance is a no-op.
   */
  StopResult stop(InstanceId id, Duration grace);

  /** Kills the instance if it still runs and forgets it (its log too). Volumes are kept. */
  void destroy(InstanceId id);

  /**
   * Every instance this driver owns, running or exited, including those started by an earlier
   * driver object (or Kiln process), which are thereby adopted. Never starts or duplicates
   * anything.
   */
  List<InstanceStatus> list();

  /** The last {@code maxBytes} of the instance's merged stdout/stderr, readable while it runs. */
  String logs(InstanceId id, int maxBytes);

  /** Runs a command inside a running instance; only if {@link Capabilities#exec()}. */
  default ExecResult exec(InstanceId id, List<String> command, Duration timeout) {
    throw new RuntimeDriverException(
        "the "
            + name()
            + " runtime cannot run commands inside instances; use an http or tcp check");
  }

  /**
   * Drift observed on this driver's running instances since they started: each instance with at
   * most one finding per surface, the first one seen. A driver that cannot observe drift returns
   * none. Cheap: the reconcile loop calls it every tick.
   */
  default List<Drift> drift() {
    return List.of();
  }

  /** Releases the driver's own resources; instances keep running. */
  @Override
  default void close() {}
}
