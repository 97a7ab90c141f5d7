package dev.kiln.runtime.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bubblewrap command line of one instance (pure, so it is unit-tested as data).
 *
 * <p>The image's rootfs is bound read-only as {@code /}; {@code /proc}, {@code /dev} and a tmpfs
 * {@code /tmp} are private; volumes are bound writable over their mount points. New pid, ipc, uts
 * and (where possible) cgroup namespaces; the host network so the instance can listen on its
 * loopback port. All capabilities are dropped (bwrap keeps them for root otherwise) and bwrap
 * always sets no-new-privileges. bwrap's own init is pid 1 of the namespace and the command is its
 * child (pid 2), deliberately not {@code --as-pid-1}: the kernel ignores a signal sent to a pid 1
 * that has no handler for it, so a command as pid 1 would ignore the stop signal. {@code
 * --die-with-parent} ties the sandbox to its parent, the per-instance supervisor shell, not to
 * Kiln: see package-info.
 */
record Sandbox(Path bwrap, Path root, Map<String, Path> mounts, String workdir, String hostname) {

  /** bwrap's argv for {@code command}; {@code statusFd} receives its JSON status lines. */
  List<String> argv(List<String> command, int statusFd) {
    List<String> argv = new ArrayList<>();
    argv.add(bwrap.toString());
    argv.addAll(List.of("--json-status-fd", Integer.toString(statusFd)));
    filesystem(argv);
    argv.addAll(List.of("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
    argv.addAll(List.of("--hostname", hostname));
    argv.addAll(List.of("--cap-drop", "ALL", "--new-session", "--die-with-parent"));
    return finish(argv, command);
  }

  /**
   * bwrap's argv to run {@code command} beside a running instance: a sibling sandbox over the same
   * read-only root and volumes that joins the instance's pid namespace (open on {@code pidnsFd}),
   * so it sees the instance's processes and network but not its private {@code /tmp}. Unlike the
   * instance, it dies with its parent: a probe must not outlive its timeout.
   */
  List<String> execArgv(List<String> command, int pidnsFd) {
    List<String> argv = new ArrayList<>();
    argv.add(bwrap.toString());
    argv.addAll(List.of("--pidns", Integer.toString(pidnsFd)));
    filesystem(argv);
    argv.addAll(List.of("--cap-drop", "ALL", "--new-session", "--die-with-parent"));
    return finish(argv, command);
  }

  private void filesystem(List<String> argv) {
    argv.addAll(List.of("--ro-bind", root.toString(), "/"));
    argv.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
    mounts.forEach(
        (mountPath, hostDir) -> argv.addAll(List.of("--bind", hostDir.toString(), mountPath)));
  }

  private List<String> finish(List<String> argv, List<String> command) {
    argv.addAll(List.of("--chdir", workdir));
    argv.add("--");
    argv.addAll(command);
    return argv;
  }
}
