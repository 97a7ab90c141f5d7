package dev.kiln.runtime.process;

import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this host can give one instance at most: a limit beyond it is a mistake in the blueprint (it
 * could never be reached, so it limits nothing), refused with the figure the host has.
 *
 * @param cores the CPUs this process may use
 * @param memoryBytes the host's physical memory ({@code MemTotal})
 */
record HostCapacity(int cores, long memoryBytes) {

  static HostCapacity ofThisHost() {
    long memory = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      memory = 0; // unknown: not checked
    }
    return new HostCapacity(Runtime.getRuntime().availableProcessors(), memory);
  }

  /** Pure: refuses limits beyond {@code host}. */
  static void check(InstanceSpec spec, HostCapacity host) {
    var limits = spec.limits();
    if (limits.cpuMillis() > host.cores() * 1000) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": cpu limit "
              + dev.kiln.model.Resources.cores(limits.cpuMillis())
              + " is more than the "
              + host.cores()
              + " cores of this host; lower resources.cpu of service "
              + spec.service());
    }
    if (host.memoryBytes() > 0 && limits.memoryBytes() > host.memoryBytes()) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": memory limit "
              + dev.kiln.model.Resources.bytes(limits.memoryBytes())
              + " is more than the "
              + dev.kiln.model.Resources.bytes(host.memoryBytes())
              + " of this host; lower resources.memory of service "
              + spec.service());
    }
  }
}
