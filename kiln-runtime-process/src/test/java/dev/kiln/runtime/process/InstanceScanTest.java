package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who counts as an intruder, read from a made-up procfs tree of an instance's pid namespace (1:
 * bubblewrap's init, 2: the command): the decision, without processes. The real thing is in
 * ProcessDriverIT's drift tests.
 */
class InstanceScanTest {
  @TempDir Path proc;

  @Test
  void aChildOfTheCommandIsOwn_aProcessFromOutsideIsAnIntruder() throws IOException {
    stat(1, 0);
    stat(2, 1);
    stat(3, 2); // the command's child
    stat(4, 3); // and its grandchild
    stat(9, 0); // entered from outside (nsenter): its parent is not in the namespace

    var intruders = scan().intruders(Optional.empty());

    assertThat(intruders).extracting(InstanceScan.Intruder::pid).containsExactly(9);
    assertThat(intruders.get(0).reason()).contains("not descended from the instance's command");
  }

  @Test
  void aProcessWhoseParentExitedWhileItWasRead_isNotAnIntruder() throws IOException {
    // a short-lived process (busybox httpd forks one per request) read its parent (5), and 5 had
    // exited before its own stat was read. Before, a stat gone between two reads counted as "not
    // descended" and drift replaced a healthy instance (the process's own stat is now read once).
    stat(1, 0);
    stat(2, 1);
    stat(6, 5); // 5 is gone: no /proc/5

    var scan = scan();

    assertThat(scan.intruders(Optional.empty())).isEmpty();
    // not settled on either: once 6 is reparented to init, the next scan judges it
    stat(6, 1);
    assertThat(scan.intruders(Optional.empty()))
        .extracting(InstanceScan.Intruder::pid)
        .containsExactly(6);
  }

  @Test
  void theCommandBeforeBubblewrapExecsIt_isNotAnIntruder_andIsJudgedOnceItHas() throws IOException {
    // bubblewrap (pid 1, its init) forks pid 2, which runs bubblewrap's host executable until it
    // execs the command: a scan in that window saw "an executable not from the image's root" and
    // replaced healthy instances right after they started
    Path bwrap = Files.writeString(proc.resolve("bwrap"), "host's bubblewrap");
    Path other = Files.writeString(proc.resolve("intruder"), "not from the image");
    Optional<String> imageRoot = Optional.of("(dev=the-image");
    stat(1, 0);
    stat(2, 1);
    exe(1, bwrap);
    exe(2, bwrap);
    var scan = scan();

    assertThat(scan.intruders(imageRoot)).isEmpty();

    // not settled on: what pid 2 runs once it has exec'd is judged as any executable is
    exe(2, other);
    assertThat(scan.intruders(imageRoot))
        .extracting(InstanceScan.Intruder::reason)
        .containsExactly("runs an executable not from the image's root");
  }

  private void exe(int pid, Path target) throws IOException {
    Path link = proc.resolve(pid + "/exe");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, target);
  }

  private InstanceScan scan() {
    return new InstanceScan(proc, 4242, 8080, "net:[test]");
  }

  private void stat(int pid, int parent) throws IOException {
    Files.createDirectories(proc.resolve(String.valueOf(pid)));
    Files.writeString(
        proc.resolve(pid + "/stat"),
        pid
            + " (sh) S "
            + parent
            + " "
            + pid
            + " "
            + pid
            + " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100\n");
  }
}
