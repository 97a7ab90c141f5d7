package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The instance profile in a real bubblewrap sandbox over a busybox root unpacked by kiln-oci. */
class SandboxIT {
  @TempDir Path tmp;
  Path root;

  @BeforeEach
  void busyboxRoot() throws IOException {
    byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
    root = tmp.resolve("root");
    LayerUnpacker.Unpack unpack = new LayerUnpacker(UnpackLimits.DEFAULT).into(root);
    unpack.layer(
        "busybox",
        new ByteArrayInputStream(
            new TestTar()
                .dir("bin")
                .file("bin/busybox", busybox, 0755)
                .symlink("bin/sh", "busybox")
                .bytes()));
    unpack.finish();
    Sandbox.addMountPoints(root);
  }

  private Process start(Profile profile, String script) throws IOException {
    Sandbox sandbox =
        new Sandbox(Path.of("/usr/bin/bwrap"), profile, root, Map.of(), "/", "kiln-test");
    ProcessBuilder pb =
        new ProcessBuilder(sandbox.argv(List.of("/bin/sh", "-c", script), OptionalInt.empty()))
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", "/bin");
    return pb.start();
  }

  private String run(Profile profile, String script) throws Exception {
    Process p = start(profile, script);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void anInstance_isPid2UnderBwrapsInit_onAReadOnlyRoot_withNoCapabilities() throws Exception {
    String out =
        run(
            Profile.INSTANCE,
            "echo pid=$$; busybox grep CapEff /proc/self/status;"
                + " touch /x 2>/dev/null && echo root=writable || echo root=read-only;"
                + " touch /tmp/x && echo tmp=writable; busybox hostname");

    assertThat(out)
        .contains("pid=2")
        .contains("CapEff:\t0000000000000000")
        .contains("root=read-only")
        .contains("tmp=writable")
        .contains("kiln-test");
    assertThat(root.resolve("x")).doesNotExist();
  }

  @Test
  void sigtermStopsACommandWithoutATermHandler_atOnce() throws Exception {
    Process p = start(Profile.INSTANCE, "echo ready; exec busybox sleep 600");
    assertThat(new String(p.getInputStream().readNBytes(6), StandardCharsets.UTF_8))
        .isEqualTo("ready\n");
    // bwrap's init is pid 1 and the command its child: the command is what a stop signals
    ProcessHandle command =
        p.toHandle()
            .descendants()
            .filter(h -> h.info().command().orElse("").endsWith("busybox"))
            .findFirst()
            .orElseThrow();
    new ProcessBuilder("kill", "-TERM", Long.toString(command.pid())).start().waitFor();

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("bwrap ended").isTrue();
    assertThat(p.exitValue()).as("128 + SIGTERM").isEqualTo(143);
  }

  @Test
  void aRunStep_writesItsRoot_andHasNoNetworkUnlessAsked() throws Exception {
    String out =
        run(
            Profile.runStep(false),
            "echo made > /made; busybox ip link 2>&1 | busybox grep -c 'state UP' || true");

    assertThat(root.resolve("made")).hasContent("made");
    assertThat(out.strip()).endsWith("0"); // only a down loopback in its own network namespace
  }
}
