package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A {@code /proc} file kept open and re-read from offset 0: fresh each time, and bound to its
 * process.
 */
class ProcFileTest {
  private final byte[] buffer = new byte[4096];

  private long tcpInUse(ProcFile sockstat) {
    int n = sockstat.read(buffer);
    assertThat(n).isPositive();
    return NetTables.countAfter(buffer, n, "TCP: inuse ");
  }

  @Test
  void aReReadSeesTheNamespacesCurrentCount_notTheFirstRead() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
    // a network namespace of its own, empty: then a listener entered into it
    Process ns = new ProcessBuilder("unshare", "-n", "sleep", "60").start();
    Process listener = null;
    try (ProcFile sockstat = new ProcFile(Path.of("/proc/" + ns.pid() + "/net/sockstat"), 4096)) {
      Await.untilTrue("the namespace is readable", () -> sockstat.read(buffer) > 0);
      assertThat(tcpInUse(sockstat)).isZero();
      listener =
          new ProcessBuilder(
                  "nsenter",
                  "-t",
                  Long.toString(ns.pid()),
                  "-n",
                  "--",
                  "/usr/bin/python3",
                  "-c",
                  "import socket,time; s=socket.socket(); s.bind(('',0)); s.listen(); time.sleep(60)")
              .start();
      Await.untilTrue("the listener is counted", () -> tcpInUse(sockstat) == 1);
    } finally {
      if (listener != null) listener.destroyForcibly().waitFor();
      ns.destroyForcibly().waitFor();
    }
  }

  @Test
  void aStatFileOfAProcessThatExited_readsAsGone_evenThoughItWasOpen() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try (ProcFile stat = new ProcFile(Path.of("/proc/" + sleep.pid() + "/stat"), 1024)) {
      byte[] statBuffer = new byte[1024];
      ProcStat.Snapshot alive = ProcStat.snapshot(stat, statBuffer);
      assertThat(alive.startTime()).isEqualTo(ProcStat.startTime(sleep.pid()).orElseThrow());
      assertThat(ProcStat.snapshot(stat, statBuffer)).isEqualTo(alive); // re-read: the same
      sleep.destroyForcibly().waitFor(); // exited and reaped
      assertThat(ProcStat.snapshot(stat, statBuffer)).isEqualTo(ProcStat.Snapshot.GONE);
    } finally {
      sleep.destroyForcibly();
    }
  }

  @Test
  void aFileThatCannotBeOpened_readsMinusOne() {
    try (ProcFile none = new ProcFile(Path.of("/proc/0/stat"), 64)) {
      assertThat(none.read(buffer)).isEqualTo(-1);
    }
  }
}
