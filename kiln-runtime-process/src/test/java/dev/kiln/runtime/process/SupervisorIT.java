package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An instance never runs unsupervised: killing its supervisor kills the sandbox. */
class SupervisorIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;

  @Test
  void anInstanceDiesWithItsSupervisor() throws IOException {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    RuntimeDriver driver =
        new ProcessDriver(
            new DriverContext(
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of()));
    try {
      InstanceSpec spec = Instances.spec("supervised", IMAGE.manifestDigest()).build();
      Await.httpGet(driver.start(spec).address(), spec.port(), "/");
      InstanceRecord record =
          InstanceRecord.read(home.resolve("instances/supervised/instance.json"));

      ProcessHandle.of(record.supervisorPid()).orElseThrow().destroyForcibly();

      Await.untilTrue(
          "the sandbox to die", () -> !driver.inspect(spec.id()).orElseThrow().running());
      assertThat(ProcStat.alive(record.pid(), record.pidStart())).isFalse();
    } finally {
      driver.list().forEach(s -> driver.destroy(s.id()));
      driver.close();
    }
  }
}
