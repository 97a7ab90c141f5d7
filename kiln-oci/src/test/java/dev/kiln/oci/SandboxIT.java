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

  private Process start(Profile profile, String script, Map<String, String> env)
      throws IOException {
    Sandbox sandbox =
        new Sandbox(Path.of("/usr/bin/bwrap"), profile, root, Map.of(), "/", "kiln-test");
    ProcessBuilder pb =
        new ProcessBuilder(sandbox.argv(List.of("/bin/sh", "-c", script), env, OptionalInt.empty()))
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(Sandbox.processEnvironment(env));
    return pb.start();
  }

  private String run(Profile profile, String script) throws Exception {
    return run(profile, script, Map.of("PATH", "/bin"));
  }

  private String run(Profile profile, String script, Map<String, String> env) throws Exception {
    Process p = start(profile, script, env);
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
  void anImagesLoaderVariables_reachTheCommand_butNotBwrapOnTheHost() throws Exception {
    // bwrap is dynamically linked and runs as root on the host: with LD_PRELOAD in its own
    // environment, the host's ld.so would try to load the named file into it
    String out =
        run(
            Profile.INSTANCE,
            "echo inside=$LD_PRELOAD",
            Map.of("PATH", "/bin", "LD_PRELOAD", "/kiln-test-no-such.so"));

    assertThat(out).contains("inside=/kiln-test-no-such.so").doesNotContain("ld.so");
  }

  @Test
  void sigtermStopsACommandWithoutATermHandler_atOnce() throws Exception {
    Process p =
        start(Profile.INSTANCE, "echo ready; exec busybox sleep 600", Map.of("PATH", "/bin"));
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
