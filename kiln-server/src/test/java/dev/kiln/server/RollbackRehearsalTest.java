package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.HostKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up rehearsal of a warm rollback: real planner, journal (SQLite), state and table. */
class RollbackRehearsalTest {
  @TempDir Path tmp;

  @Test
  void rehearsesEveryRollbackAsASwapBetweenTwoWarmFleets_andLeavesNothingBehind() throws Exception {
    HostKey key = HostKey.generate(tmp.resolve("keys"));
    List<Path> before = scratch();

    var report = RollbackRehearsal.run(key, Clock.systemUTC(), 25);

    assertThat(report.error()).isEmpty();
    // each one planned a swap (a fast-track stops it), journaled its batch and built its table
    assertThat(report.rollbacks()).isEqualTo(25);
    assertThat(scratch()).isEqualTo(before);
  }

  @Test
  void zeroRehearsesNothing() throws Exception {
    var report = RollbackRehearsal.run(HostKey.generate(tmp.resolve("keys")), Clock.systemUTC(), 0);

    assertThat(report.error()).isEmpty();
    assertThat(report.rollbacks()).isZero();
  }

  /** The rehearsals' scratch folders on this host now. */
  private static List<Path> scratch() throws Exception {
    List<Path> out = new java.util.ArrayList<>();
    for (Path dir : List.of(Path.of("/dev/shm"), Path.of(System.getProperty("java.io.tmpdir")))) {
      if (!Files.isDirectory(dir)) continue;
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(p -> p.getFileName().toString().startsWith("kiln-rehearsal-")).forEach(out::add);
      }
    }
    return out.stream().sorted().toList();
  }
}
