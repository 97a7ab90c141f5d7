package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxTest {
  @Test
  void theRootIsReadOnly_volumesWritable_capabilitiesDropped_andTheCommandComesLast() {
    Sandbox sandbox =
        new Sandbox(
            Path.of("/usr/bin/bwrap"),
            Path.of("/k/rootfs/abc/root"),
            Map.of("/data", Path.of("/k/volumes/web/data")),
            "/srv",
            "web-1");

    String line = String.join(" ", sandbox.argv(List.of("/bin/sh", "-c", "exec httpd"), 3));

    assertThat(line)
        .startsWith("/usr/bin/bwrap --json-status-fd 3 --ro-bind /k/rootfs/abc/root /")
        .contains("--tmpfs /tmp", "--proc /proc", "--dev /dev", "--bind /k/volumes/web/data /data")
        .contains("--unshare-pid", "--cap-drop ALL", "--new-session", "--chdir /srv")
        .contains("--die-with-parent")
        // bwrap's init must be pid 1: a command as pid 1 would ignore the stop signal
        .doesNotContain("--unshare-net", "--as-pid-1")
        .endsWith("-- /bin/sh -c exec httpd");
  }
}
