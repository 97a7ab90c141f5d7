package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter loaded by a real bwrap: refused calls fail with EPERM, ordinary work goes on. */
class SeccompFilterIT {
  @TempDir Path tmp;

  @Test
  void theProgramHasTheExpectedShape() {
    byte[] p = SeccompFilter.x86_64();
    ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
    int n = SeccompFilter.DENIED_X86_64.size();
    assertThat(p.length).isEqualTo((7 + n) * 8);
    assertThat(b.getInt(8 + 4)).isEqualTo(SeccompFilter.AUDIT_ARCH_X86_64);
    assertThat(b.getInt((5 + n) * 8 + 4)).isEqualTo(SeccompFilter.RET_ALLOW);
    assertThat(b.getInt((6 + n) * 8 + 4)).isEqualTo(SeccompFilter.RET_ERRNO_EPERM);
    // every comparison jumps exactly to the final EPERM return
    for (int i = 0; i < n; i++) {
      int at = 5 + i;
      int jt = p[at * 8 + 2] & 0xff;
      assertThat(at + 1 + jt).isEqualTo(6 + n);
    }
  }

  @Test
  void insideTheSandbox_mountsUnshareAndKeyringsFail_butAShellWorks() throws Exception {
    assumeTrue(SeccompFilter.forHost().isPresent(), "no filter table for this architecture");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "needs bubblewrap");
    Path root = tmp.resolve("root");
    for (String d : List.of("bin", "proc", "dev", "tmp")) Files.createDirectories(root.resolve(d));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    Files.setPosixFilePermissions(
        root.resolve("bin/busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path filter = tmp.resolve("seccomp.bpf");
    Files.write(filter, SeccompFilter.forHost().get());
    String script =
        "/bin/busybox mount -t tmpfs none /tmp 2>&1; echo mount=$?;"
            + " /bin/busybox unshare -n /bin/busybox true 2>&1; echo unshare=$?;"
            + " /bin/busybox echo still-working";
    Process p =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                "exec \"$@\" 4<" + filter,
                "sh",
                "bwrap",
                "--seccomp",
                "4",
                "--unshare-user",
                "--uid",
                "0",
                "--unshare-pid",
                "--ro-bind",
                root.toString(),
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--tmpfs",
                "/tmp",
                "--die-with-parent",
                "/bin/busybox",
                "sh",
                "-c",
                script)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("still-working").contains("Operation not permitted");
    assertThat(out).doesNotContain("mount=0").doesNotContain("unshare=0");

    // Without the filter the same mount succeeds (root of its own user namespace may mount tmpfs):
    // the refusal above is the filter's doing.
    Process free =
        new ProcessBuilder(
                "bwrap",
                "--unshare-user",
                "--uid",
                "0",
                "--unshare-pid",
                "--ro-bind",
                root.toString(),
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--tmpfs",
                "/tmp",
                "--die-with-parent",
                "/bin/busybox",
                "sh",
                "-c",
                "/bin/busybox mount -t tmpfs none /tmp; echo mount=$?")
            .redirectErrorStream(true)
            .start();
    String freeOut = new String(free.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    free.waitFor(30, TimeUnit.SECONDS);
    assertThat(freeOut).contains("mount=0");
  }
}
