package dev.kiln.runtime.swarm;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.DriverConformance;
import dev.kiln.testkit.LoopbackRegistry;
import dev.kiln.testkit.SwarmHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The swarm runtime against the shared conformance suite, on a real swarm of three namespaced
 * dockerd hosts with a registry they pull from. Skipped (with the reason) where the machine cannot
 * host them: not root, no dockerd, no docker-registry.
 */
class SwarmDriverConformanceIT extends DriverConformance {
  static SwarmHosts swarm;
  static LoopbackRegistry registry;
  static Path registryDir;

  @BeforeAll
  static void startSwarm() throws Exception {
    SwarmHosts.assumeSupported();
    swarm = SwarmHosts.start(3);
    registryDir = Files.createTempDirectory("kiln-swarm-registry");
    registry = LoopbackRegistry.start(registryDir, swarm.gateway(), List.of());
  }

  @AfterAll
  static void stopSwarm() throws Exception {
    if (registry != null) registry.close();
    if (swarm != null) swarm.close();
    if (registryDir != null) {
      try (var all = Files.walk(registryDir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static Map<String, String> options() {
    return Map.of(
        "manager",
        swarm.manager().engine(),
        "registry",
        registry.address() + "/kiln",
        "registry-plain-http",
        "true",
        "stop-grace-seconds",
        "2");
  }

  @Override
  protected RuntimeDriver createDriver(Path home, ImageSource images) {
    return RuntimeDrivers.create(
        "swarm", new DriverContext(home, Clock.systemUTC(), images, options()));
  }

  @Override
  protected boolean instancesRunOnThisHost() {
    return false;
  }
}
