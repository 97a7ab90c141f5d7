package dev.kiln.runtime.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.testkit.InMemoryImageSource;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerDriverTest {
  @TempDir Path home;

  @Test
  void noEngine_isAClearErrorSayingWhereItLooked() {
    String socket = "unix://" + home.resolve("no-such.sock");
    assertThatThrownBy(
            () ->
                new DockerDriver(
                    new DriverContext(
                        home,
                        Clock.systemUTC(),
                        new InMemoryImageSource(),
                        Map.of("docker-host", socket))))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("no Docker Engine answers at " + socket)
        .hasMessageContaining("DOCKER_HOST");
  }
}
