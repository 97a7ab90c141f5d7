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
 * @param host where the instance's port is reached when it runs on another host (a swarm node's
 *     address); empty for instances on this host, reached on loopback as before
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

  public InstanceStatus {
    if (host == null) throw new IllegalArgumentException("host must be an Optional, not null");
    host.ifPresent(
        h -> {
          if (h.isBlank() || h.contains("/") || h.contains(" ")) {
            throw new IllegalArgumentException(
                "instance " + spec.id() + ": host '" + h + "' is not an address");
          }
        });
  }

  /**
   * A status without accounting, pid or host: for drivers (and fakes) that neither enforce nor
   * measure.
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
        OptionalLong.empty(),
        Optional.empty());
  }

  /** A status with accounting, on this host, without a pid. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      Optional<Termination> termination,
      Optional<Usage> usage) {
    this(
        spec,
        state,
        startedAt,
        exitCode,
        detail,
        termination,
        usage,
        OptionalLong.empty(),
        Optional.empty());
  }

  /** A status with accounting and a pid, on this host. */
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

  /** A status with a pid, without accounting, on this host. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      OptionalLong pid) {
    this(
        spec,
        state,
        startedAt,
        exitCode,
        detail,
        Optional.empty(),
        Optional.empty(),
        pid,
        Optional.empty());
  }

  /** A status of an instance on another host (a swarm node), without accounting or pid. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail,
      Optional<String> host) {
    this(
        spec,
        state,
        startedAt,
        exitCode,
        detail,
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        host);
  }

  public enum State {
    RUNNING,
    EXITED
  }

  public InstanceId id() {
    return spec.id();
  }

  public boolean running() {
    return state == State.RUNNING;
  }

  /** The address to connect to for the instance's port: its host, or loopback. */
  public String address() {
    return host.orElse(LOOPBACK);
  }

  public static final String LOOPBACK = "127.0.0.1";
}
