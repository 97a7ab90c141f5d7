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
 * @param pid the host process id signals go to, while it runs, if the runtime exposes one
 */
public record InstanceStatus(
    InstanceSpec spec,
    State state,
    Instant startedAt,
    OptionalInt exitCode,
    Optional<String> detail,
    OptionalLong pid) {

  /** A status without a pid (a runtime that does not expose one). */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail) {
    this(spec, state, startedAt, exitCode, detail, OptionalLong.empty());
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
