package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One instance's processes and listeners, read through its own {@code /proc}: bubblewrap mounts a
 * procfs of the instance's pid namespace inside it, reachable from the host as {@code
 * /proc/<command>/root/proc}, which lists exactly the instance's processes — those entered with
 * {@code nsenter} included, which its cgroup would not show. An idle instance costs one small
 * directory listing per scan instead of a walk of the host's {@code /proc}; only processes not seen
 * in an earlier scan are inspected (ancestry, executable), and listeners are attributed to
 * processes only when the TCP use count of the instance's network namespace changed ({@link
 * NetTables}).
 *
 * <p>Pids here are the instance's own (1: bubblewrap's init, 2: the command); a process whose
 * parent is outside the namespace shows parent 0.
 */
final class InstanceScan {
  /** Namespace pid 2: the command bubblewrap runs. */
  static final int COMMAND = 2;

  private final Path proc;
  private final java.io.File procDir;
  private final long command;
  private final int declared;

  /** The command's network namespace ({@code net:[inode]}); instances sharing one share reads. */
  private final String netns;

  /**
   * Processes judged own in two scans in a row: not inspected again until the full pass. (A pid is
   * not reused between two scans of a namespace that has a handful of processes: that would take
   * tens of thousands of forks in under a second.)
   */
  private final Set<Integer> settled = new HashSet<>();

  /** Processes judged own once: a fork may yet exec something else before the next scan. */
  private Set<Integer> seenOnce = new HashSet<>();

  private boolean sawNew;

  private List<Listener> lastExtra = List.of();

  /**
   * @param command the host pid of the instance's command
   * @param declared the port it declares
   */
  InstanceScan(long command, int declared) {
    this(
        Path.of("/proc", Long.toString(command), "root", "proc"),
        command,
        declared,
        netns(command));
  }

  /** Reads the instance's processes from {@code proc} (tests: a made-up procfs tree). */
  InstanceScan(Path proc, long command, int declared, String netns) {
    this.declared = declared;
    this.proc = proc;
    this.procDir = proc.toFile();
    this.command = command;
    this.netns = netns;
  }

  private static String netns(long command) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(command), "ns", "net"))
          .toString();
    } catch (IOException e) {
      return "pid " + command; // gone: shares nothing
    }
  }

  private Optional<String> rootDevice = Optional.empty();

  /**
   * The device of the instance's root as its command sees it ({@code /proc/<command>/root}), read
   * once: not the host path's, which a later mount of the same image (another loop device) moves
   * while the instance keeps the one it started with in its own mount namespace.
   */
  Optional<String> rootDevice() {
    if (rootDevice.isEmpty()) rootDevice = device(Path.of("/proc", Long.toString(command), "root"));
    return rootDevice;
  }

  /** The port the instance declares. */
  int declared() {
    return declared;
  }

  /** A TCP listener of the instance on a port it did not declare; pid in the instance. */
  record Listener(int port, int pid) {}

  /** An intruder: its pid in the instance, executable, parent (in the instance) and why. */
  record Intruder(int pid, String exe, int parent, String reason) {}

  /**
   * The processes of the instance that were put there from outside or run an executable from
   * another device than the image's root; empty if the instance is gone.
   *
   * @param rootDevice the device of the image's root tree (from its file key)
   */
  List<Intruder> intruders(Optional<String> rootDevice) {
    Set<Integer> now = pids();
    Set<Integer> next = new HashSet<>();
    List<Intruder> out = new ArrayList<>();
    settled.retainAll(now);
    sawNew = false;
    for (int pid : now) {
      if (pid == 1 || settled.contains(pid)) continue;
      sawNew = true;
      undecided = false;
      Optional<Intruder> bad = inspect(pid, rootDevice);
      if (bad.isPresent()) {
        out.add(bad.get());
        continue;
      }
      if (undecided) continue; // judged on the next scan, not settled on
      if (seenOnce.contains(pid)) settled.add(pid);
      else next.add(pid);
    }
    seenOnce = next;
    return out;
  }

  /** Whether the last {@link #intruders} call inspected a process it had not settled on. */
  boolean sawNew() {
    return sawNew;
  }

  /** Re-inspects every process on the next scan: the periodic full verification. */
  void forgetSettled() {
    settled.clear();
  }

  /** Set by {@link #inspect} when an ancestor exited under every walk of this scan. */
  private boolean undecided;

  private Optional<Intruder> inspect(int pid, Optional<String> rootDevice) {
    int parent = parent(pid);
    if (parent < 0) return Optional.empty(); // gone meanwhile
    if (pid != COMMAND) {
      Ancestry ancestry = ancestry(parent);
      if (ancestry == Ancestry.RACED) {
        // an ancestor exited while this walk read it (a shell's short-lived child, a server's
        // per-request fork): the process is gone too, or was reparented — read it afresh
        parent = parent(pid);
        if (parent < 0) return Optional.empty();
        ancestry = ancestry(parent);
      }
      if (ancestry == Ancestry.RACED) {
        undecided = true;
        return Optional.empty();
      }
      if (ancestry == Ancestry.ELSEWHERE) {
        return Optional.of(
            new Intruder(pid, exe(pid), parent, "not descended from the instance's command"));
      }
    }
    if (pid == COMMAND && sameFile(proc.resolve("1/exe"), proc.resolve(COMMAND + "/exe"))) {
      // bubblewrap has forked the command but not exec'd it yet: pid 2 still runs bubblewrap's own
      // executable, the host's, which is on another device than the image (a scan right after a
      // start caught this window and replaced two healthy instances of a rollback). Judged once it
      // has exec'd; the command cannot become the host's bubblewrap, which is not in its root.
      undecided = true;
      return Optional.empty();
    }
    Optional<String> exeDevice = device(proc.resolve(pid + "/exe"));
    if (rootDevice.isPresent() && exeDevice.isPresent() && !exeDevice.equals(rootDevice)) {
      return Optional.of(
          new Intruder(pid, exe(pid), parent, "runs an executable not from the image's root"));
    }
    return Optional.empty();
  }

  /** Where a process's ancestry leads: to the command, elsewhere, or through one that exited. */
  private enum Ancestry {
    COMMAND,
    ELSEWHERE,
    RACED
  }

  /** The ancestry of a process whose parent is {@code parent}, read up to the command. */
  private Ancestry ancestry(int parent) {
    int up = parent;
    for (int depth = 0; depth < 64; depth++) {
      if (up == COMMAND) return Ancestry.COMMAND;
      if (up == 0 || up == 1) return Ancestry.ELSEWHERE; // outside the namespace, or init's orphan
      if (up < 0) return Ancestry.RACED; // this ancestor exited since its child named it
      up = parent(up);
    }
    return Ancestry.ELSEWHERE;
  }

  private @org.jspecify.annotations.Nullable Set<Integer> pidsThisScan;

  /** The pids of the instance's processes, as listed at the start of this scan. */
  private Set<Integer> pids() {
    Set<Integer> pids = pidsThisScan;
    if (pids == null) pidsThisScan = pids = readPids();
    return pids;
  }

  /**
   * The pids of the instance's processes (one directory listing); empty if it is gone. {@code
   * File.list} rather than a {@code DirectoryStream}: names only, no path and lock per entry, and a
   * procfs root has some sixty entries besides the pids.
   */
  private Set<Integer> readPids() {
    String[] names = procDir.list();
    if (names == null) return Set.of();
    Set<Integer> out = new java.util.TreeSet<>();
    for (String name : names) {
      if (!name.isEmpty() && name.charAt(0) >= '0' && name.charAt(0) <= '9') {
        out.add(Integer.parseInt(name));
      }
    }
    return out;
  }

  private int parent(int pid) {
    return stat(pid).map(f -> Integer.parseInt(f[1])).orElse(-1);
  }

  /** The fields of {@code stat} after the command name (state is [0], ppid [1], start [19]). */
  private Optional<String[]> stat(int pid) {
    try {
      String stat = Files.readString(proc.resolve(pid + "/stat"));
      return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether two links lead to the same file (device and inode); false when either is gone. */
  private static boolean sameFile(Path a, Path b) {
    try {
      Object ka =
          Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      Object kb =
          Files.readAttributes(b, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      return ka != null && ka.equals(kb);
    } catch (IOException e) {
      return false;
    }
  }

  /** The device of a file (following links), from its file key {@code (dev=…,ino=…)}. */
  static Optional<String> device(Path path) {
    try {
      Object key =
          Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      if (key == null) return Optional.empty();
      String k = key.toString();
      int comma = k.indexOf(',');
      return Optional.of(comma > 0 ? k.substring(0, comma) : k);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The executable of a host process. */
  static String hostExe(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The executable of the instance's process {@code pid}. */
  String exe(int pid) {
    try {
      return Files.readSymbolicLink(proc.resolve(pid + "/exe")).toString();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private Map<String, Integer> socketHolders = Map.of();
  private long lastInUse = Long.MIN_VALUE;
  private boolean socketsChanged = true;
  private NetTables tables = new NetTables();
  private Optional<Boolean> lastServes = Optional.empty();

  /**
   * Starts a scan: lists the instance's processes, and reads its sockets only when its network
   * namespace's TCP use count changed since the last scan ({@link NetTables}): a new listener, or a
   * connection. An idle instance costs one directory listing and two {@code sockstat} reads. (Not
   * seen until the count next changes: a {@code listen()} exactly offset by a connection closing
   * within the same scan interval. Re-reading the tables on the full pass would cost 100 instances
   * about 1 s of system time every 10 s.)
   */
  void beginScan(NetTables tables) {
    this.tables = tables;
    Set<Integer> pids = readPids();
    pidsThisScan = pids;
    long inUse = tables.tcpInUse(netns, command);
    socketsChanged = inUse < 0 || inUse != lastInUse;
    lastInUse = inUse;
    if (socketsChanged) socketHolders = holders(pids);
  }

  /** Socket inode → the pid holding it, from the processes' open files (a few links each). */
  private Map<String, Integer> holders(Set<Integer> pids) {
    Map<String, Integer> holders = new HashMap<>();
    for (int pid : pids) {
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
        for (Path fd : fds) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              holders.putIfAbsent(target.substring(8, target.length() - 1), pid);
            }
          } catch (IOException e) {
            // closed meanwhile
          }
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return holders;
  }

  /**
   * TCP listeners held by the instance's processes on a port other than {@code declared}; the last
   * answer while the instance's network namespace saw no new socket in use.
   */
  List<Listener> extraListeners(int declared) {
    if (!socketsChanged) return lastExtra;
    List<Listener> out = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    for (var e : tables.listening(netns, command).entrySet()) {
      Integer pid = socketHolders.get(e.getKey());
      int port = e.getValue();
      if (pid != null && port != declared && ports.add(port)) out.add(new Listener(port, pid));
    }
    lastExtra = List.copyOf(out);
    return out;
  }

  /** Whether one of the instance's processes listens on its declared port (it serves). */
  boolean serves(int declared) {
    if (!socketsChanged && lastServes.isPresent()) return lastServes.get();
    boolean serves = false;
    for (var e : tables.listening(netns, command).entrySet()) {
      if (e.getValue() == declared && socketHolders.containsKey(e.getKey())) serves = true;
    }
    lastServes = Optional.of(serves);
    return serves;
  }

  /**
   * The host pid of the instance's process {@code nsPid}: a walk of the host's {@code /proc}, done
   * only when there is drift to report.
   */
  static OptionalLong hostPid(long command, int nsPid) {
    String ns;
    try {
      ns = Files.readSymbolicLink(Path.of("/proc", Long.toString(command), "ns", "pid")).toString();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : procs) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
        long pid = Long.parseLong(name);
        try {
          if (!Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(ns)) continue;
        } catch (IOException e) {
          continue;
        }
        if (ProcStat.pidInNamespace(pid).orElse(-1) == nsPid) return OptionalLong.of(pid);
      }
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }
}
