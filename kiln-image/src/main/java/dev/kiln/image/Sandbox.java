package dev.kiln.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A bubblewrap sandbox over an image root: fresh pid, ipc, uts, cgroup and network namespaces (so
 * the loopback inside is not the host's), a private /tmp, /proc and /dev, no host environment. Used
 * by {@code run} steps (root bound read-write, the changes become a layer) and by image tests (root
 * bound read-only, like an instance).
 *
 * @param root the unpacked image root
 * @param writable bind the root read-write ({@code run} steps) or read-only (instances, tests)
 * @param network share the host network (and its /etc/resolv.conf)
 * @param env the environment inside, in order; PATH defaults to the Debian one
 * @param workdir the working directory inside
 */
record Sandbox(
    Path root, boolean writable, boolean network, Map<String, String> env, String workdir) {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final int TAIL_BYTES = 64 * 1024;
  private static final boolean ROOT = LayerPaths.runningAsRoot();

  /** Docker's default capabilities: enough for package managers, not for mounts or modules. */
  private static final List<String> CAPS =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FOWNER",
          "CAP_FSETID",
          "CAP_KILL",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETPCAP",
          "CAP_SETFCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_MKNOD",
          "CAP_AUDIT_WRITE");

  /** The bwrap command line that runs {@code argv} inside. */
  List<String> command(List<String> argv) {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(List.of("bwrap", writable ? "--bind" : "--ro-bind", root.toString(), "/"));
    cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"));
    if (ROOT) {
      // As root, no user namespace: with one, only uid 0 is mapped and apt's drop to _apt fails.
      // Instead the sandbox keeps Docker's default capability set and nothing more.
      cmd.addAll(
          List.of("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
      if (!network) cmd.add("--unshare-net");
      cmd.addAll(List.of("--cap-drop", "ALL"));
      for (String cap : CAPS) cmd.addAll(List.of("--cap-add", cap));
    } else {
      cmd.add("--unshare-all");
    }
    if (network) {
      if (!ROOT) cmd.add("--share-net");
      // A read-only root cannot get a mount point; a writable one gets it (RunStep removes it).
      boolean target =
          writable
              || Files.isRegularFile(root.resolve("etc/resolv.conf"), LinkOption.NOFOLLOW_LINKS);
      if (target && Files.exists(Path.of("/etc/resolv.conf"))) {
        cmd.addAll(List.of("--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"));
      }
    }
    cmd.addAll(List.of("--die-with-parent", "--new-session", "--clearenv"));
    if (!env.containsKey("PATH")) cmd.addAll(List.of("--setenv", "PATH", DEFAULT_PATH));
    env.forEach((k, v) -> cmd.addAll(List.of("--setenv", k, v)));
    cmd.addAll(List.of("--chdir", workdir));
    cmd.addAll(argv);
    return cmd;
  }

  /** Whether the root has a shell at /bin/sh (symlinks inside the root are fine). */
  static boolean hasShell(Path root) {
    return Files.exists(root.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS);
  }

  /** Starts {@code argv} inside; stdout and stderr go to one bounded buffer. */
  Running start(List<String> argv) {
    ProcessBuilder pb = new ProcessBuilder(command(argv)).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    try {
      Process p = pb.start();
      Tail tail = new Tail(p.getInputStream());
      Thread reader = Thread.ofVirtual().start(tail);
      return new Running(p, tail, reader);
    } catch (IOException e) {
      throw new ImageException(
          "cannot start bubblewrap (bwrap): "
              + e.getMessage()
              + "; install it: apt-get install bubblewrap",
          e);
    }
  }

  /** Runs {@code argv} inside to completion. */
  Finished run(List<String> argv) {
    Running r = start(argv);
    try {
      int code = r.process.waitFor();
      return new Finished(code, r.output());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.kill();
      throw new ImageException("interrupted while running " + argv);
    } finally {
      r.kill();
    }
  }

  record Finished(int exitCode, String output) {
    /** The last {@code n} lines of the output. */
    String tail(int n) {
      return Sandbox.lastLines(output, n);
    }
  }

  /** A started sandbox; {@link #kill} ends it and everything it started. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final Tail tail;
    private final Thread reader;

    Running(Process process, Tail tail, Thread reader) {
      this.process = process;
      this.tail = tail;
      this.reader = reader;
    }

    boolean alive() {
      return process.isAlive();
    }

    String output() {
      if (!process.isAlive()) {
        try {
          reader.join(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return tail.text();
    }

    /**
     * Ends the sandbox. bwrap's child is pid 1 of its own pid namespace and dies with its parent,
     * so killing bwrap takes every process inside with it; descendants are killed too for
     * certainty.
     */
    void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      kill();
    }
  }

  /** Keeps the last {@link #TAIL_BYTES} of a stream, so a chatty step cannot fill the heap. */
  static final class Tail implements Runnable {
    private final InputStream in;
    private final byte[] ring = new byte[TAIL_BYTES];
    private long written;

    Tail(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buf = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buf)) > 0; ) append(buf, n);
      } catch (IOException ignored) {
        // The process ended or was killed: what was read is what there is.
      }
    }

    private synchronized void append(byte[] buf, int n) {
      for (int i = 0; i < n; i++) ring[(int) ((written + i) % TAIL_BYTES)] = buf[i];
      written += n;
    }

    synchronized String text() {
      int len = (int) Math.min(written, TAIL_BYTES);
      byte[] out = new byte[len];
      long start = written - len;
      for (int i = 0; i < len; i++) out[i] = ring[(int) ((start + i) % TAIL_BYTES)];
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  static String lastLines(String text, int n) {
    String[] lines = text.stripTrailing().split("\n", -1);
    int from = Math.max(0, lines.length - n);
    return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
  }
}
