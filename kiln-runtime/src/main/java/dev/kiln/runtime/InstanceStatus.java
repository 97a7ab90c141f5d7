package dev.kiln.runtime;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a driver observes about one of its instances.
 *
 * @param spec the spec it was started from; adopted instances carry secret names with empty values
 * @param exitCode set once the instance has exited, when the driver could learn it
 * @param termination set once the instance has exited, when a resource limit ended it
 * @param usage what it used, when the driver accounts it (see {@link Usage})
 */
public record InstanceStatus(
    InstanceSpec spec,
    State state,
    Instant startedAt,
    OptionalInt exitCode,
    Optional<String> detail,
    Optional<Termination> termination,
    Optional<Usage> usage) {

  /** A status without accounting: for drivers (and fakes) that neither enforce nor measure. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail) {
    this(spec, state, startedAt, exitCode, detail, Optional.empty(), Optional.empty());
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
}
