package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this host can give one instance at most. A limit beyond it limits nothing and no start could
 * satisfy it, so the process runtime refuses it when it starts an instance, and the server when it
 * plans a blueprint (located at the service).
 *
 * @param cores the CPUs this process (and so the instances it starts) may use
 * @param memoryBytes the host's physical memory ({@code MemTotal}); 0 when unknown
 */
public record HostCapacity(int cores, long memoryBytes) {

  public static HostCapacity ofThisHost() {
    long memory = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      memory = 0; // unknown: memory limits are not checked against it
    }
    return new HostCapacity(Runtime.getRuntime().availableProcessors(), memory);
  }

  public boolean hasCpu(int millis) {
    return millis <= cores * 1000;
  }

  public boolean hasMemory(long bytes) {
    return memoryBytes == 0 || bytes <= memoryBytes;
  }
}
