package dev.kiln.runtime;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a driver observes about one of its instances.
 *
 * @param spec the spec it was started from; adopted instances carry secret names with empty values
 * @param exitCode set once the instance has exited, when the driver could learn it
 * @param termination set once the instance has exited, when a resource limit ended it
 * @param usage what it used, when the driver accounts it (see {@link Usage})
 * @param pid the host process id signals go to, while it runs, if the runtime exposes one
 * @param host where the router and health checks reach the instance's port; empty means 127.0.0.1
 *     (an instance in the host's network). Set when the instance runs in a network of its own (the
 *     process runtime's per-instance namespace) or on another node.
 */
public record InstanceStatus(
    InstanceSpec spec,
    State state,
    Instant startedAt,
    OptionalInt exitCode,
    Optional<String> detail,
    Optional<Termination> termination,
    Optional<Usage> usage,
    OptionalLong pid,
    Optional<String> host) {

  /** A status reached on 127.0.0.1. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      Optional<Termination> termination,
      Optional<Usage> usage,
      OptionalLong pid) {
    this(spec, state, startedAt, exitCode, detail, termination, usage, pid, Optional.empty());
  }

  /**
   * A status without accounting or pid: for drivers (and fakes) that neither enforce nor measure.
   */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail) {
    this(
        spec,
        state,
        startedAt,
        exitCode,
        detail,
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty());
  }

  /** A status with accounting, without a pid. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      Optional<Termination> termination,
      Optional<Usage> usage) {
    this(spec, state, startedAt, exitCode, detail, termination, usage, OptionalLong.empty());
  }

  /** A status with a pid, without accounting. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      OptionalLong pid) {
    this(spec, state, startedAt, exitCode, detail, Optional.empty(), Optional.empty(), pid);
  }

  public enum State {
    RUNNING,
    EXITED
  }

  public InstanceId id() {
    return spec.id();
  }

  /** The address the instance's port is reached at. */
  public String reachableHost() {
    return host.orElse("127.0.0.1");
  }

  public boolean running() {
    return state == State.RUNNING;
  }
}
