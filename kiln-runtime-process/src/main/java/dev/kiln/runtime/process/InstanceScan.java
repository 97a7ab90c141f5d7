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
 * processes only when the instance's set of listening sockets changed.
 *
 * <p>Pids here are the instance's own (1: bubblewrap's init, 2: the command); a process whose
 * parent is outside the namespace shows parent 0.
 */
final class InstanceScan {
  /** Namespace pid 2: the command bubblewrap runs. */
  static final int COMMAND = 2;

  private final Path proc;

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
   */
  InstanceScan(long command) {
    this.proc = Path.of("/proc", Long.toString(command), "root", "proc");
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
      Optional<Intruder> bad = inspect(pid, rootDevice);
      if (bad.isPresent()) {
        out.add(bad.get());
        continue;
      }
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

  private Optional<Intruder> inspect(int pid, Optional<String> rootDevice) {
    int parent = parent(pid);
    if (parent < 0) return Optional.empty(); // gone meanwhile
    if (pid != COMMAND && !descendsFromCommand(pid)) {
      return Optional.of(
          new Intruder(pid, exe(pid), parent, "not descended from the instance's command"));
    }
    Optional<String> exeDevice = device(proc.resolve(pid + "/exe"));
    if (rootDevice.isPresent() && exeDevice.isPresent() && !exeDevice.equals(rootDevice)) {
      return Optional.of(
          new Intruder(pid, exe(pid), parent, "runs an executable not from the image's root"));
    }
    return Optional.empty();
  }

  private boolean descendsFromCommand(int pid) {
    int p = pid;
    for (int depth = 0; depth < 64; depth++) {
      int parent = parent(p);
      if (parent == COMMAND) return true;
      if (parent <= 1) return false; // outside the namespace (0), or an orphan of init
      p = parent;
    }
    return false;
  }

  private @org.jspecify.annotations.Nullable Set<Integer> pidsThisScan;

  /** The pids of the instance's processes, as listed at the start of this scan. */
  private Set<Integer> pids() {
    Set<Integer> pids = pidsThisScan;
    if (pids == null) pidsThisScan = pids = readPids();
    return pids;
  }

  /** The pids of the instance's processes (one directory listing); empty if it is gone. */
  private Set<Integer> readPids() {
    Set<Integer> out = new java.util.TreeSet<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(proc)) {
      for (Path p : procs) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) out.add(Integer.parseInt(name));
      }
    } catch (IOException e) {
      return Set.of();
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

  private @org.jspecify.annotations.Nullable Map<String, Integer> listeningThisScan;
  private Map<String, Integer> socketHolders = Map.of();
  private Set<String> seenSockets = Set.of();
  private Set<String> settledSockets = Set.of();
  private boolean socketsChanged = true;
  private Optional<Boolean> lastServes = Optional.empty();

  /**
   * Starts a scan. Reading a network namespace's TCP tables walks the kernel's whole socket hash
   * (milliseconds of system time each), so they are read only when one of the instance's processes
   * holds a socket it did not hold in the last two scans — found from their open files, a few links
   * per process. (Not seen: a socket that starts listening long after it was opened.)
   */
  void beginScan() {
    listeningThisScan = null;
    Set<Integer> pids = readPids();
    pidsThisScan = pids;
    Map<String, Integer> holders = new HashMap<>(); // socket inode -> pid holding it
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
    // a socket is settled once seen in two scans in a row: one seen between its socket() and its
    // listen() is looked at again on the next scan
    socketsChanged = !settledSockets.containsAll(holders.keySet());
    Set<String> settled = new HashSet<>(holders.keySet());
    settled.retainAll(seenSockets);
    settledSockets = settled;
    seenSockets = Set.copyOf(holders.keySet());
    socketHolders = holders;
  }

  /**
   * TCP listeners held by the instance's processes on a port other than {@code declared}; the last
   * answer while the instance holds no new socket.
   */
  List<Listener> extraListeners(long command, int declared) {
    if (!socketsChanged) return lastExtra;
    Map<String, Integer> listening = listening(command);
    List<Listener> out = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    for (var e : listening.entrySet()) {
      Integer pid = socketHolders.get(e.getKey());
      int port = e.getValue();
      if (pid != null && port != declared && ports.add(port)) out.add(new Listener(port, pid));
    }
    lastExtra = List.copyOf(out);
    return out;
  }

  /** Whether one of the instance's processes listens on its declared port (it serves). */
  boolean serves(long command, int declared) {
    if (!socketsChanged && lastServes.isPresent()) return lastServes.get();
    boolean serves = false;
    for (var e : listening(command).entrySet()) {
      if (e.getValue() == declared && socketHolders.containsKey(e.getKey())) serves = true;
    }
    lastServes = Optional.of(serves);
    return serves;
  }

  private Map<String, Integer> listening(long command) {
    Map<String, Integer> listening = listeningThisScan;
    if (listening == null) listeningThisScan = listening = readListening(command);
    return listening;
  }

  /** Socket inode → port of every TCP listener in the command's network namespace. */
  private static Map<String, Integer> readListening(long command) {
    Map<String, Integer> byInode = new HashMap<>();
    for (String table : List.of("tcp", "tcp6")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of("/proc", Long.toString(command), "net", table));
      } catch (IOException e) {
        continue;
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[3].equals("0A")) continue; // 0A: LISTEN
        byInode.put(f[9], Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
      }
    }
    return byInode;
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
