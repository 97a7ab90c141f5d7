package dev.kiln.runtime.process;

import dev.kiln.oci.Sandbox;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Starting and signalling instance processes. Each one is started in a new session ({@code setsid})
 * so that it outlives the Kiln process and no terminal signal reaches it; its stdout/stderr go
 * straight to its log file and stdin is {@code /dev/null}.
 */
final class Processes {
  private static final Pattern CHILD_PID = Pattern.compile("\"child-pid\"\\s*:\\s*(\\d+)");
  private static final Pattern EXIT_CODE = Pattern.compile("\"exit-code\"\\s*:\\s*(-?\\d+)");
  private static final long START_TIMEOUT_NANOS = 30_000_000_000L;

  /**
   * The start of a launch script: the shell writes its own pid to each cgroup.procs file given
   * before {@code --}, so that it and everything it starts belong to the instance's cgroup before
   * the instance's program runs; a failed join fails the start (exit 125) instead of running
   * unlimited.
   */
  private static final String JOIN =
      "while [ \"$1\" != -- ]; do echo $$ >\"$1\" || exit 125; shift; done; shift; ";

  private final Path setsid;

  Processes(Path setsid) {
    this.setsid = setsid;
  }

  record Started(
      Process process, long pid, long pidStart, long supervisorPid, long supervisorStart) {}

  /**
   * {@code setsid sh -c '"$@" 3>status.json'} running bwrap: the shell is the instance's supervisor
   * (bwrap dies with it), fd 3 receives bwrap's JSON status (child pid, then exit code).
   */
  Started startSandboxed(Sandbox sandbox, Launch launch, Path dir, List<Path> cgroup)
      throws IOException {
    return startSandboxed(sandbox, launch, dir, cgroup, java.util.Optional.empty(), null);
  }

  /**
   * As above, run as {@code tenant} when given (see {@link Tenant}): the supervisor, still root,
   * opens {@code seccomp} on the tenant's descriptor before the chain drops privileges.
   */
  Started startSandboxed(
      Sandbox sandbox,
      Launch launch,
      Path dir,
      List<Path> cgroup,
      java.util.Optional<Tenant> tenant,
      @Nullable Path seccomp)
      throws IOException {
    Path status = dir.resolve("status.json");
    List<String> argv =
        new ArrayList<>(
            List.of(
                setsid.toString(),
                "/bin/sh",
                "-c",
                // not exec: this shell stays as the instance's supervisor (see package-info)
                JOIN
                    + "f=$1; s=$2; shift 2; \"$@\" 3>\"$f\" "
                    + tenant.map(t -> t.seccompFd() + "<\"$s\"").orElse("")
                    + "; exit $?",
                "kiln-launch"));
    cgroup.forEach(procs -> argv.add(procs.toString()));
    String filter =
        tenant.isPresent()
            ? java.util.Objects.requireNonNull(seccomp, "a tenant runs under a seccomp filter")
                .toString()
            : "/dev/null";
    argv.addAll(List.of("--", status.toString(), filter));
    List<String> bwrap = sandbox.argv(launch.argv(), launch.env(), OptionalInt.of(3));
    argv.addAll(tenant.map(t -> t.wrap(bwrap)).orElse(bwrap));
    Process process = spawn(argv, Sandbox.processEnvironment(launch.env()), dir, dir);
    long supervisorStart = awaitStartTime(process);
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    while (true) {
      Matcher m = CHILD_PID.matcher(readQuietly(status));
      if (m.find()) {
        // bwrap reports its init (pid 1 inside); signals go to the command, its child (pid 2)
        long init = Long.parseLong(m.group(1));
        OptionalLong command = commandOf(init);
        OptionalLong start =
            command.isPresent() ? ProcStat.startTime(command.getAsLong()) : OptionalLong.empty();
        if (start.isPresent()) {
          return new Started(
              process, command.getAsLong(), start.getAsLong(), process.pid(), supervisorStart);
        }
        if (ProcStat.startTime(init).isEmpty() || !process.isAlive()) {
          // the command already exited: recorded with start time -1, so reported as exited
          return new Started(process, init, -1, process.pid(), supervisorStart);
        }
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        killTree(process);
        throw new RuntimeDriverException(
            "the sandbox did not start (bwrap exit "
                + (process.isAlive() ? "timeout" : process.exitValue())
                + "): "
                + tail(dir.resolve("log")));
      }
      pause();
    }
  }

  /**
   * The command's host pid: the child of bwrap's init that is pid 2 in the sandbox (a later child
   * of init is an orphan reparented to it, never the command).
   */
  private static OptionalLong commandOf(long init) {
    return ProcessHandle.of(init).stream()
        .flatMap(ProcessHandle::children)
        .mapToLong(ProcessHandle::pid)
        .filter(pid -> ProcStat.pidInNamespace(pid).orElse(0) == 2)
        .findFirst();
  }

  /** The command itself, found in the unpacked root, with the root as working directory. */
  Started startUnsandboxed(Path root, Launch launch, Path dir, List<Path> cgroup)
      throws IOException {
    List<String> argv = new ArrayList<>(launch.argv());
    String program = Launch.resolve(argv.getFirst(), searchPath(launch), launch.workdir(), root);
    argv.set(0, root + program);
    if (!cgroup.isEmpty()) {
      List<String> join = new ArrayList<>(List.of("/bin/sh", "-c", JOIN + "exec \"$@\"", "kiln"));
      cgroup.forEach(procs -> join.add(procs.toString()));
      join.add("--");
      argv.addAll(0, join);
    }
    argv.addFirst(setsid.toString());
    Map<String, String> env = new java.util.LinkedHashMap<>(launch.env());
    StringBuilder path = new StringBuilder();
    for (String entry : searchPath(launch).split(":")) {
      if (!path.isEmpty()) path.append(':');
      path.append(entry.startsWith("/") ? root + entry : entry);
    }
    env.put("PATH", path.toString());
    Process process = spawn(argv, env, root.resolve(launch.workdir().substring(1)), dir);
    long start = awaitStartTime(process);
    return new Started(process, process.pid(), start, 0, 0);
  }

  private static Process spawn(List<String> argv, Map<String, String> env, Path cwd, Path dir)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()));
    return builder.start();
  }

  private static long awaitStartTime(Process process) {
    OptionalLong start = ProcStat.startTime(process.pid());
    return start.orElse(-1);
  }

  /**
   * Sends SIGTERM, or SIGKILL if {@code kill}. Sandboxed, the target is the command (pid 2 of its
   * namespace, so its default dispositions apply); when it dies bwrap exits and its init, pid 1,
   * dies with it, which ends every other process in the namespace. Unsandboxed, the target is the
   * command and its descendants.
   */
  void signal(InstanceRecord record, boolean kill) {
    if (!ProcStat.alive(record.pid(), record.pidStart())) return; // never signal a recycled pid
    ProcessHandle.of(record.pid())
        .ifPresent(
            handle -> {
              if (!record.sandboxed()) handle.descendants().forEach(h -> send(h, kill));
              send(handle, kill);
            });
  }

  private static void send(ProcessHandle handle, boolean kill) {
    if (kill) handle.destroyForcibly();
    else handle.destroy();
  }

  /** Kills a process we started and everything below it (cleanup of a failed start). */
  void killTree(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs a command in a sibling sandbox that joins the instance's pid namespace. */
  dev.kiln.runtime.ExecResult exec(
      Sandbox sandbox, InstanceRecord record, List<String> command, java.time.Duration timeout) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                "f=$1; shift; exec \"$@\" 3<\"$f\"",
                "kiln-exec",
                "/proc/" + record.pid() + "/ns/pid"));
    argv.addAll(sandbox.execArgv(command, record.execEnv(), 3));
    // A tenant's probe runs in the tenant's network, so it sees the ports the instance listens on.
    record
        .slot()
        .ifPresent(
            slot ->
                HostTools.find("nsenter")
                    .ifPresent(
                        nsenter ->
                            argv.addAll(
                                5, List.of(nsenter.toString(), "--net=" + slot.namespacePath()))));
    try {
      ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
      builder.environment().clear();
      builder.environment().putAll(Sandbox.processEnvironment(record.execEnv()));
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process process = builder.start();
      var output = new java.util.concurrent.CompletableFuture<String>();
      Thread.ofVirtual()
          .start(
              () -> {
                try (var in = process.getInputStream()) {
                  output.complete(
                      new String(
                          in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8));
                  in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                  output.complete("");
                }
              });
      if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        killTree(process);
        return new dev.kiln.runtime.ExecResult(124, "timed out after " + timeout);
      }
      return new dev.kiln.runtime.ExecResult(process.exitValue(), output.join());
    } catch (IOException e) {
      return new dev.kiln.runtime.ExecResult(
          125, "could not run " + command + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new dev.kiln.runtime.ExecResult(130, "interrupted");
    }
  }

  static OptionalInt recordedExitCode(Path dir) {
    Matcher m = EXIT_CODE.matcher(readQuietly(dir.resolve("status.json")));
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(Path log) {
    String text = readQuietly(log).strip();
    return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
  }

  static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while waiting for an instance process");
    }
  }

  /** The program search path: Launch.of always sets PATH, the default covers a hand-made Launch. */
  private static String searchPath(Launch launch) {
    return launch.env().getOrDefault("PATH", Launch.DEFAULT_PATH);
  }
}
