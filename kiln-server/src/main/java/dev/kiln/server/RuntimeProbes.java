package dev.kiln.server;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.health.HealthMonitor;
import dev.kiln.runtime.health.ProbeResult;
import dev.kiln.runtime.health.Probes;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Health probes sent through the runtime that runs each instance: an {@code exec:} check runs
 * inside a Docker container through the docker driver, inside a sandbox through the process driver
 * (as Nomad runs a task's checks through its own driver). HTTP and TCP probes reach the loopback
 * port either way.
 */
final class RuntimeProbes implements HealthMonitor.ProbeRunner {
  private final Clock clock;
  private final Function<String, RuntimeDriver> drivers;
  private final Map<String, String> runtimeOf = new ConcurrentHashMap<>();
  private final Map<String, Probes> probes = new ConcurrentHashMap<>();

  RuntimeProbes(Clock clock, Function<String, RuntimeDriver> drivers) {
    this.clock = clock;
    this.drivers = drivers;
  }

  /** Records which runtime runs {@code id}; call before the monitor watches it. */
  void assign(InstanceId id, String runtime) {
    runtimeOf.put(id.value(), runtime);
  }

  void forget(InstanceId id) {
    runtimeOf.remove(id.value());
  }

  @Override
  public ProbeResult run(InstanceId id, int port, HealthCheck check) {
    return run(id, InstanceStatus.LOOPBACK, port, check);
  }

  /** Probes the instance where it is reached: its own network's address, a node's, or loopback. */
  @Override
  public ProbeResult run(InstanceId id, String host, int port, HealthCheck check) {
    String runtime = runtimeOf.get(id.value());
    if (runtime == null) {
      return ProbeResult.failure(
          "no runtime known for instance " + id + " (not started or adopted by this server)",
          Duration.ZERO,
          clock.instant());
    }
    return probes
        .computeIfAbsent(runtime, rt -> new Probes(clock, drivers.apply(rt)))
        .run(id, host, port, check);
  }
}
