package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without bubblewrap the driver still runs, supervises and adopts instances, and says what it
 * lacks.
 */
class UnsandboxedProcessDriverIT {
  private static final dev.kiln.runtime.ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private final InMemoryImageSource images = new InMemoryImageSource().add(IMAGE);
  private RuntimeDriver driver;

  private RuntimeDriver newDriver() {
    return new ProcessDriver(
        new DriverContext(home, Clock.systemUTC(), images, Map.of("sandbox", "none")));
  }

  @AfterEach
  void cleanUp() {
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
  }

  @Test
  void capabilities_sayTheRootIsNotReadOnly() {
    driver = newDriver();
    Capabilities caps = driver.capabilities();
    assertThat(caps.isolation()).isEqualTo(Capabilities.Isolation.NONE);
    assertThat(caps.readOnlyRoot()).isFalse();
    assertThat(caps.volumes()).isFalse();
  }

  @Test
  void anInstanceRunsFromTheRootfs_withItsEnv_isAdopted_andIsKilledAfterGrace() {
    driver = newDriver();
    InstanceSpec spec =
        Instances.spec("plain-1", IMAGE.manifestDigest())
            .secret("TOKEN", "t0k")
            .shell("trap '' TERM; echo \"P=$PORT T=$TOKEN\"; httpd -f -p $PORT -h www & wait")
            .build();
    driver.start(spec);
    Await.until(
        "log",
        () ->
            Optional.of(driver.logs(spec.id(), 1000))
                .filter(l -> l.contains("P=" + spec.port() + " T=t0k")));
    assertThat(Await.httpGet(spec.port(), "/index.html").body()).isEqualTo("hello from kiln\n");
    driver.close();

    driver = newDriver();
    assertThat(driver.list()).singleElement().satisfies(s -> assertThat(s.running()).isTrue());
    var stopped = driver.stop(spec.id(), Duration.ofMillis(300));

    assertThat(stopped.killed()).isTrue();
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isFalse();
  }
}
