package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One pass over {@code /proc}: which host processes live in which pid namespace, and who their
 * parents are. A sandboxed instance has a pid namespace of its own (bubblewrap's init is pid 1, the
 * command pid 2), so every process in it must descend from the command; one whose ancestry leaves
 * the namespace before reaching the command was put there from outside ({@code nsenter}).
 */
final class ProcessScan {
  private final Map<String, List<Long>> byNamespace = new HashMap<>();
  private final Map<Long, Long> parents = new HashMap<>();

  /**
   * A process in an instance's namespace that does not descend from its command, or that runs an
   * executable from outside the image's root (dropped into {@code /tmp}, say).
   */
  record Intruder(long pid, String exe, long parent, String reason) {}

  static ProcessScan now() {
    ProcessScan scan = new ProcessScan();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : procs) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
        long pid = Long.parseLong(name);
        Optional<String> ns = namespace(pid);
        OptionalLong parent = parent(pid);
        if (ns.isEmpty() || parent.isEmpty()) continue; // gone meanwhile
        scan.byNamespace.computeIfAbsent(ns.get(), k -> new ArrayList<>()).add(pid);
        scan.parents.put(pid, parent.getAsLong());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list /proc: " + e, e);
    }
    return scan;
  }

  /**
   * The processes sharing {@code command}'s pid namespace that are neither the namespace's init,
   * the command, nor a descendant of the command.
   */
  List<Intruder> intruders(long command, Path root) {
    Optional<String> ns = namespace(command);
    if (ns.isEmpty()) return List.of();
    Optional<String> rootDevice = device(root);
    List<Intruder> out = new ArrayList<>();
    for (long pid : byNamespace.getOrDefault(ns.get(), List.of())) {
      long parent = parents.getOrDefault(pid, 0L);
      boolean own = pid == command || descends(pid, command);
      // bubblewrap's init (pid 1 inside) is the command's parent: read its NSpid only then
      if (!own && ProcStat.pidInNamespace(pid).orElse(0) == 1) continue;
      if (!own) {
        out.add(new Intruder(pid, exe(pid), parent, "not descended from the instance's command"));
        continue;
      }
      // the root is one host directory tree: an executable on another device is not from it
      Optional<String> exeDevice = device(Path.of("/proc", Long.toString(pid), "exe"));
      if (rootDevice.isPresent() && exeDevice.isPresent() && !exeDevice.equals(rootDevice)) {
        out.add(
            new Intruder(pid, exe(pid), parent, "runs an executable not from the image's root"));
      }
    }
    return out;
  }

  /** The device of a file (following links), from its file key {@code (dev=…,ino=…)}. */
  private static Optional<String> device(Path path) {
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

  /** A TCP listener owned by the instance's processes on a port it did not declare. */
  record Listener(int port, long pid) {}

  /**
   * TCP listeners (state LISTEN in {@code /proc/<pid>/net/tcp} and {@code tcp6}, as the instance's
   * network namespace sees them) whose socket one of the instance's processes holds, on a port
   * other than {@code declared}.
   */
  List<Listener> extraListeners(long command, int declared) {
    List<Listener> out = new ArrayList<>();
    listeners(command)
        .forEach(
            (port, pid) -> {
              if (port != declared) out.add(new Listener(port, pid));
            });
    return out;
  }

  /** Whether one of the instance's processes listens on its declared port: it serves. */
  boolean serves(long command, int declared) {
    return listeners(command).containsKey(declared);
  }

  private final Map<Long, Map<Integer, Long>> listenersByCommand = new HashMap<>();

  /** Port → a pid holding it, of every TCP listener held by the instance's processes. */
  private Map<Integer, Long> listeners(long command) {
    return listenersByCommand.computeIfAbsent(command, this::readListeners);
  }

  private Map<Integer, Long> readListeners(long command) {
    Optional<String> ns = namespace(command);
    if (ns.isEmpty()) return Map.of();
    Map<String, Long> sockets = new HashMap<>(); // socket inode -> pid holding it
    for (long pid : byNamespace.getOrDefault(ns.get(), List.of())) {
      Path fds = Path.of("/proc", Long.toString(pid), "fd");
      try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
        for (Path fd : links) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              sockets.putIfAbsent(target.substring(8, target.length() - 1), pid);
            }
          } catch (IOException e) {
            // closed meanwhile
          }
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    Map<Integer, Long> out = new java.util.TreeMap<>();
    for (var e : listening(command).entrySet()) {
      Long pid = sockets.get(e.getKey());
      if (pid != null) out.putIfAbsent(e.getValue(), pid);
    }
    return out;
  }

  private final Map<String, Map<String, Integer>> listenersByNet = new HashMap<>();

  /**
   * Socket inode → port of every TCP listener in {@code pid}'s network namespace, read once per
   * namespace per scan (instances sharing the host's network share one read).
   */
  private Map<String, Integer> listening(long pid) {
    String net;
    try {
      net = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
    } catch (IOException e) {
      return Map.of();
    }
    return listenersByNet.computeIfAbsent(
        net,
        k -> {
          Map<String, Integer> byInode = new HashMap<>();
          for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
              lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
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
        });
  }

  private boolean descends(long pid, long ancestor) {
    long p = pid;
    for (int depth = 0; depth < 64; depth++) {
      Long parent = parents.get(p);
      if (parent == null || parent <= 1) return false;
      if (parent == ancestor) return true;
      p = parent;
    }
    return false;
  }

  static String exe(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Optional<String> namespace(long pid) {
    try {
      return Optional.of(
          Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static OptionalLong parent(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return OptionalLong.of(Long.parseLong(fields[1]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
