package dev.kiln.runtime.process;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.DriverConformance;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** The process runtime, sandboxed by bubblewrap, against the shared driver conformance suite. */
class ProcessDriverConformanceIT extends DriverConformance {
  @BeforeAll
  static void needsBubblewrap() {
    assumeTrue(
        HostTools.find("bwrap").isPresent(),
        "bubblewrap is not installed (apt-get install bubblewrap)");
  }

  @Override
  protected RuntimeDriver createDriver(Path home, ImageSource images) {
    return RuntimeDrivers.create(
        "process", new DriverContext(home, Clock.systemUTC(), images, Map.of("sandbox", "bwrap")));
  }
}
