package dev.kiln.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The bubblewrap command line over an image root (pure, so it is unit-tested as data); the one
 * argument builder for run steps, image tests and instances, which differ only by {@link Profile}.
 *
 * <p>Always: fresh pid, ipc, uts and (where possible) cgroup namespaces; private {@code /proc},
 * {@code /dev} and a 1777 tmpfs {@code /tmp}; volumes bound writable over their mount points; a new
 * session (no TIOCSTI into Kiln's terminal); dies with its parent. bwrap always sets
 * no-new-privileges. bwrap's own init is pid 1 and the command its child, pid 2, deliberately not
 * {@code --as-pid-1}: the kernel drops a signal sent to a namespace's pid 1 that has no handler for
 * it, so a command as pid 1 would ignore the stop signal and wait out the whole grace period.
 *
 * <p>The environment mostly travels as bwrap's own ({@link #processEnvironment}), not on its
 * command line: {@code --setenv} would put secrets in {@code /proc/<pid>/cmdline}, readable by
 * every host user. The exception is what the host's dynamic loader or shell would act on before
 * bwrap has sandboxed anything ({@code LD_PRELOAD}, {@code LD_LIBRARY_PATH}, {@code GCONV_PATH},
 * {@code BASH_ENV}...): an image's config could otherwise make bwrap, running as root on the host,
 * load a library of its choosing. Those reach the command through {@code --setenv} only.
 *
 * @param bwrap the bwrap binary
 * @param profile what the sandbox may see and do
 * @param root the unpacked image root
 * @param mounts volume mount point inside → host folder, bound read-write
 * @param workdir the working directory inside
 * @param hostname the hostname inside
 */
public record Sandbox(
    Path bwrap,
    Profile profile,
    Path root,
    Map<String, Path> mounts,
    String workdir,
    String hostname) {
  public static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final boolean ROOT = LayerUnpacker.runningAsRoot();

  /** glibc's list of variables it ignores for set-uid programs, and the shells' start-up files. */
  private static final Set<String> HOST_SENSITIVE =
      Set.of(
          "GCONV_PATH",
          "GETCONF_DIR",
          "GLIBC_TUNABLES",
          "HOSTALIASES",
          "LOCALDOMAIN",
          "LOCPATH",
          "MALLOC_TRACE",
          "NIS_PATH",
          "NLSPATH",
          "RESOLV_HOST_CONF",
          "RES_OPTIONS",
          "TMPDIR",
          "TZDIR",
          "BASH_ENV",
          "ENV",
          "SHELLOPTS",
          "BASHOPTS",
          "PS4");

  /** Whether the host's loader or shell would act on {@code name} (see the class comment). */
  static boolean hostSensitive(String name) {
    return name.startsWith("LD_") || HOST_SENSITIVE.contains(name);
  }

  /**
   * The environment to start bwrap (and any host process before it) with: {@code env} less the
   * host-sensitive variables, which {@link #argv} passes by {@code --setenv}.
   */
  public static Map<String, String> processEnvironment(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          if (!hostSensitive(k)) out.put(k, v);
        });
    return out;
  }

  public Sandbox {
    mounts = Map.copyOf(mounts);
  }

  /**
   * bwrap's argv for {@code command}, which gets {@code env} (bwrap itself is started with {@link
   * #processEnvironment} of it); {@code statusFd}, if given, receives bwrap's JSON status.
   */
  public List<String> argv(List<String> command, Map<String, String> env, OptionalInt statusFd) {
    List<String> argv = new ArrayList<>();
    argv.add(bwrap.toString());
    statusFd.ifPresent(fd -> argv.addAll(List.of("--json-status-fd", Integer.toString(fd))));
    filesystem(argv);
    argv.addAll(List.of("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
    if (!profile.network()) argv.add("--unshare-net");
    argv.addAll(List.of("--hostname", hostname));
    capabilities(argv);
    argv.addAll(List.of("--new-session", "--die-with-parent"));
    setenv(argv, env);
    return finish(argv, command);
  }

  /**
   * bwrap's argv to run {@code command} beside a running instance: a sibling sandbox over the same
   * root and volumes that joins the instance's pid namespace (open on {@code pidnsFd}), so it sees
   * the instance's processes and network but not its private {@code /tmp}. It dies with its parent:
   * a probe must not outlive its timeout.
   */
  public List<String> execArgv(List<String> command, Map<String, String> env, int pidnsFd) {
    List<String> argv = new ArrayList<>();
    argv.add(bwrap.toString());
    argv.addAll(List.of("--pidns", Integer.toString(pidnsFd)));
    filesystem(argv);
    capabilities(argv);
    argv.addAll(List.of("--new-session", "--die-with-parent"));
    setenv(argv, env);
    return finish(argv, command);
  }

  private static void setenv(List<String> argv, Map<String, String> env) {
    env.forEach(
        (k, v) -> {
          if (hostSensitive(k)) argv.addAll(List.of("--setenv", k, v));
        });
  }

  private void filesystem(List<String> argv) {
    argv.addAll(List.of(profile.writableRoot() ? "--bind" : "--ro-bind", root.toString(), "/"));
    argv.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"));
    if (profile.resolvConf() && Files.exists(Path.of("/etc/resolv.conf"))) {
      // A read-only root cannot get a mount point; a writable one gets it (the run step removes
      // it).
      boolean target =
          profile.writableRoot()
              || Files.isRegularFile(root.resolve("etc/resolv.conf"), LinkOption.NOFOLLOW_LINKS);
      if (target) argv.addAll(List.of("--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"));
    }
    mounts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey()) // a stable command line, parents before children
        .forEach(m -> argv.addAll(List.of("--bind", m.getValue().toString(), m.getKey())));
  }

  /**
   * As root, exactly the profile's capabilities. Without root bwrap runs in a user namespace, where
   * capabilities reach no further than the namespace; a profile with none still drops them all.
   */
  private void capabilities(List<String> argv) {
    if (!ROOT && !profile.capabilities().isEmpty()) return;
    argv.addAll(List.of("--cap-drop", "ALL"));
    if (ROOT) for (String cap : profile.capabilities()) argv.addAll(List.of("--cap-add", cap));
  }

  private List<String> finish(List<String> argv, List<String> command) {
    argv.addAll(List.of("--chdir", workdir));
    argv.add("--");
    argv.addAll(command);
    return argv;
  }

  /**
   * Makes the folders bwrap mounts over ({@code /proc}, {@code /dev}, {@code /tmp}; and {@code
   * /sys}, which programs expect to exist) in a root that lacks them: a root bound read-only cannot
   * get them later. For instance roots and image-test roots alike.
   */
  public static void addMountPoints(Path root) throws IOException {
    for (String mountPoint : List.of("proc", "dev", "tmp", "sys")) {
      Path p = root.resolve(mountPoint);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(p);
    }
  }

  /** Whether the root has a shell at /bin/sh (a symlink inside the root is fine). */
  public static boolean hasShell(Path root) {
    return Files.exists(root.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS);
  }
}
