package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What the network namespaces of the running instances say, each read at most once per scan (the
 * instances sharing the host's network share one read).
 *
 * <p>{@link #tcpInUse} is the cheap trigger: the {@code TCP: inuse} and {@code TCP6: inuse} counts
 * of a namespace's {@code sockstat} (a few lines, no walk) go up when a socket starts listening or
 * a connection is made, also for a socket opened long before its {@code listen()}. Only when they
 * changed are the TCP tables read ({@link #listening}): reading {@code /proc/PID/net/tcp} walks the
 * kernel's whole established hash (shared by every namespace), milliseconds of system time each.
 */
final class NetTables implements AutoCloseable {
  private final Map<String, Long> inUse = new HashMap<>();
  private final Map<String, Map<String, Integer>> listening = new HashMap<>();
  private final byte[] buffer = new byte[4096];

  /**
   * Per namespace, its {@code sockstat} and {@code sockstat6}, kept open and re-read ({@link
   * ProcFile}): an open {@code /proc/PID/net} file keeps reading the namespace it was opened in.
   */
  private final Map<String, ProcFile[]> files = new HashMap<>();

  /** Forgets the last scan's reads; closes the files of namespaces the last scan did not read. */
  void beginScan() {
    files
        .entrySet()
        .removeIf(
            e -> {
              if (inUse.containsKey(e.getKey())) return false;
              for (ProcFile f : e.getValue()) f.close();
              return true;
            });
    inUse.clear();
    listening.clear();
  }

  @Override
  public void close() {
    files.values().forEach(fs -> java.util.Arrays.stream(fs).forEach(ProcFile::close));
    files.clear();
  }

  /**
   * The sum of the TCP and TCP6 {@code inuse} counts of {@code netns}, read through process {@code
   * pid}; -1 if it cannot be read (the process is gone).
   */
  long tcpInUse(String netns, long pid) {
    Long known = inUse.get(netns);
    if (known != null) return known;
    ProcFile[] f =
        files.computeIfAbsent(
            netns,
            k ->
                new ProcFile[] {
                  new ProcFile(Path.of("/proc/" + pid + "/net/sockstat"), buffer.length),
                  new ProcFile(Path.of("/proc/" + pid + "/net/sockstat6"), buffer.length)
                });
    long v4 = inUse(f[0], "TCP: inuse ");
    long v6 = inUse(f[1], "TCP6: inuse ");
    long sum = v4 < 0 || v6 < 0 ? -1 : v4 + v6;
    if (sum < 0) {
      // opened through a process that is gone meanwhile: the next scan opens them through another
      for (ProcFile file : files.remove(netns)) file.close();
    }
    inUse.put(netns, sum);
    return sum;
  }

  /** Socket inode → port of every TCP listener of {@code netns}, read through {@code pid}. */
  Map<String, Integer> listening(String netns, long pid) {
    return listening.computeIfAbsent(netns, k -> readListening(pid));
  }

  /** The number after {@code prefix} at the start of a line of {@code file}, parsed in place. */
  private long inUse(ProcFile file, String prefix) {
    int n = file.read(buffer);
    return n < 0 ? -1 : countAfter(buffer, n, prefix);
  }

  /** The decimal number after {@code prefix} where a line starts with it; -1 if there is none. */
  static long countAfter(byte[] text, int length, String prefix) {
    for (int line = 0; line < length; ) {
      boolean match = line + prefix.length() <= length;
      for (int i = 0; match && i < prefix.length(); i++) {
        match = text[line + i] == prefix.charAt(i);
      }
      if (match) {
        long v = 0;
        int i = line + prefix.length();
        if (i >= length || text[i] < '0' || text[i] > '9') return -1;
        for (; i < length && text[i] >= '0' && text[i] <= '9'; i++) v = v * 10 + (text[i] - '0');
        return v;
      }
      while (line < length && text[line] != '\n') line++;
      line++;
    }
    return -1;
  }

  private static Map<String, Integer> readListening(long pid) {
    Map<String, Integer> byInode = new HashMap<>();
    for (String table : new String[] {"tcp", "tcp6"}) {
      java.util.List<String> lines;
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
  }
}
