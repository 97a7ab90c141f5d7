package dev.kiln.runtime.docker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.DriverConformance;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;

/**
 * The docker runtime against the shared conformance suite. Needs a running engine (CI starts
 * dockerd); without one the suite is skipped with that reason.
 */
class DockerDriverConformanceIT extends DriverConformance {
  @BeforeAll
  static void needsAnEngine() {
    assumeTrue(
        DockerClients.available(Optional.empty()),
        "no Docker Engine answers at DOCKER_HOST or /var/run/docker.sock: docker conformance skipped");
  }

  @Override
  protected RuntimeDriver createDriver(Path home, ImageSource images) {
    return RuntimeDrivers.create("docker", new DriverContext(home, Clock.systemUTC(), images));
  }
}
