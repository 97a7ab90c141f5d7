package dev.kiln.runtime.process;

import dev.kiln.model.Resources;
import dev.kiln.runtime.HostCapacity;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;

/** Refuses, before anything is created, limits beyond what {@link HostCapacity} says. */
final class HostLimits {
  private HostLimits() {}

  /** Pure: throws if {@code spec}'s limits are beyond {@code host}. */
  static void check(InstanceSpec spec, HostCapacity host) {
    Resources limits = spec.limits();
    if (!host.hasCpu(limits.cpuMillis())) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": cpu limit "
              + Resources.cores(limits.cpuMillis())
              + " is more than the "
              + host.cores()
              + " cores of this host; lower resources.cpu of service "
              + spec.service());
    }
    if (!host.hasMemory(limits.memoryBytes())) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": memory limit "
              + Resources.bytes(limits.memoryBytes())
              + " is more than the "
              + Resources.bytes(host.memoryBytes())
              + " of this host; lower resources.memory of service "
              + spec.service());
    }
  }
}
