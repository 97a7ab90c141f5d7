package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SandboxTest {
  private static String line(Profile profile) {
    Sandbox s =
        new Sandbox(
            Path.of("/usr/bin/bwrap"),
            profile,
            Path.of("/k/rootfs/abc/root"),
            Map.of("/data", Path.of("/k/volumes/web/data")),
            "/srv",
            "web-1");
    return String.join(
        " ",
        s.argv(List.of("/bin/sh", "-c", "exec httpd"), Map.of("SECRET", "s3"), OptionalInt.of(3)));
  }

  @Test
  void anInstance_readOnlyRoot_hostNetwork_noCapabilities_andBwrapsInitAsPid1() {
    assertThat(line(Profile.INSTANCE))
        .startsWith("/usr/bin/bwrap --json-status-fd 3 --ro-bind /k/rootfs/abc/root /")
        .contains("--perms 1777 --tmpfs /tmp", "--proc /proc", "--dev /dev")
        .contains("--bind /k/volumes/web/data /data", "--hostname web-1")
        .contains("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")
        .contains("--cap-drop ALL", "--new-session", "--die-with-parent", "--chdir /srv")
        // bwrap's init must be pid 1: a command as pid 1 would ignore the stop signal
        .doesNotContain("--unshare-net", "--as-pid-1", "--cap-add", "--setenv", "resolv.conf", "s3")
        .endsWith("-- /bin/sh -c exec httpd");
  }

  @Test
  void whatTheHostsLoaderWouldActOn_neverReachesBwrapsOwnEnvironment_butTheCommandGetsIt() {
    Map<String, String> env =
        Map.of("LD_PRELOAD", "/x.so", "GCONV_PATH", "/g", "BASH_ENV", "/b", "API_TOKEN", "t");
    Sandbox s =
        new Sandbox(Path.of("bwrap"), Profile.INSTANCE, Path.of("/r"), Map.of(), "/", "web-1");

    assertThat(Sandbox.processEnvironment(env)).containsOnlyKeys("API_TOKEN");
    assertThat(String.join(" ", s.argv(List.of("true"), env, OptionalInt.empty())))
        .contains("--setenv LD_PRELOAD /x.so", "--setenv GCONV_PATH /g", "--setenv BASH_ENV /b")
        .doesNotContain("API_TOKEN");
  }

  @Test
  void imageTestsRunInExactlyTheInstanceProfile() {
    assertThat(Profile.imageTest()).isSameAs(Profile.INSTANCE);
  }

  @Test
  void aRunStep_writableRoot_ownNetworkUnlessAsked() {
    assertThat(line(Profile.runStep(false)))
        .contains("--bind /k/rootfs/abc/root /", "--unshare-net")
        .doesNotContain("--ro-bind /k/rootfs", "--as-pid-1");
    assertThat(line(Profile.runStep(true))).doesNotContain("--unshare-net");
  }

  @Test
  void anExecJoinsTheInstancesPidNamespace() {
    Sandbox s =
        new Sandbox(Path.of("bwrap"), Profile.INSTANCE, Path.of("/r"), Map.of(), "/", "web-1");
    assertThat(String.join(" ", s.execArgv(List.of("true"), Map.of(), 5)))
        .startsWith("bwrap --pidns 5 --ro-bind /r /")
        .contains("--cap-drop ALL", "--die-with-parent")
        .doesNotContain("--unshare-pid")
        .endsWith("-- true");
  }
}
