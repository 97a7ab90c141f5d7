package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileTest {
  @TempDir Path dir;

  @Test
  void aLogPastItsLimit_isRotatedToLog1_andTheWriterKeepsAppending() throws IOException {
    Path path = dir.resolve("log");
    LogFile log = new LogFile(path, 10);
    try (var writer =
        Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      writer.write("0123456789abc\n".getBytes());
      writer.flush();
      log.rotateIfNeeded();
      writer.write("after\n".getBytes());
    }

    assertThat(dir.resolve("log.1")).hasContent("0123456789abc\n");
    assertThat(path).hasContent("after\n");
    assertThat(log.tail(1000)).isEqualTo("0123456789abc\nafter\n");
    assertThat(log.tail(6)).isEqualTo("after\n");
  }
}
