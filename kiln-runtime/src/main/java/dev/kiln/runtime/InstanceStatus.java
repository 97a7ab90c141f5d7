package dev.kiln.runtime;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a driver observes about one of its instances.
 *
 * @param spec the spec it was started from; adopted instances carry secret names with empty values
 * @param exitCode set once the instance has exited, when the driver could learn it
 * @param host where the instance's port is reached when it runs on another host (a swarm node's
 *     address); empty for instances on this host, reached on loopback as before
 */
public record InstanceStatus(
    InstanceSpec spec,
    State state,
    Instant startedAt,
    OptionalInt exitCode,
    Optional<String> detail,
    Optional<String> host) {

  public enum State {
    RUNNING,
    EXITED
  }

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

  /** An instance on this host, reached on loopback. */
  public InstanceStatus(
      InstanceSpec spec,
      State state,
      Instant startedAt,
      OptionalInt exitCode,
      Optional<String> detail) {
    this(spec, state, startedAt, exitCode, detail, Optional.empty());
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
