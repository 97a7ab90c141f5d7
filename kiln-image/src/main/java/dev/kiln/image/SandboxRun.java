package dev.kiln.image;

import dev.kiln.oci.Profile;
import dev.kiln.oci.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command in a bubblewrap sandbox over an image root and keeps a bounded tail of its output:
 * the execution side of kiln-oci's {@link Sandbox}, which builds the command line. {@code run}
 * steps use {@link Profile#runStep}, image tests {@link Profile#imageTest} (exactly an instance's
 * profile). The environment inside is exactly {@code env} (PATH defaults to the Debian one), given
 * to bwrap as its own environment, except what the host's loader would act on ({@link
 * Sandbox#processEnvironment}).
 *
 * @param sandbox the command line's shape
 * @param env the environment inside, in order
 */
record SandboxRun(Sandbox sandbox, Map<String, String> env) {
  static final String DEFAULT_PATH = Sandbox.DEFAULT_PATH;
  private static final int TAIL_BYTES = 64 * 1024;

  /** A sandbox over {@code root} with no volumes, named {@code hostname} inside. */
  static SandboxRun of(
      Profile profile, Path root, Map<String, String> env, String workdir, String hostname) {
    return new SandboxRun(
        new Sandbox(Path.of("bwrap"), profile, root, Map.of(), workdir, hostname), env);
  }

  /** The environment bwrap is started with, which is the command's. */
  Map<String, String> environment() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("PATH", DEFAULT_PATH);
    out.putAll(env);
    return out;
  }

  /** Starts {@code argv} inside; stdout and stderr go to one bounded buffer. */
  Running start(List<String> argv) {
    ProcessBuilder pb =
        new ProcessBuilder(sandbox.argv(argv, environment(), OptionalInt.empty()))
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(Sandbox.processEnvironment(environment()));
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
      return SandboxRun.lastLines(output, n);
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
