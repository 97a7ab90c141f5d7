package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Environment and command drift of an instance's main process (issue 10, surface 3): its {@code
 * /proc/PID/environ} against the environment it was launched with, and its command line against the
 * one it settled on. Values are only ever compared as keyed digests and never reported: the
 * evidence names keys.
 *
 * <p>The command is not compared with the launched argv itself, because an entrypoint may exec its
 * program ({@code sh -c "exec httpd …"}). It is fixed once the instance serves (one of its
 * processes listens on its declared port); an exec after that is drift.
 */
final class MainProcess {
  /** Keys the sandbox and a shell set on their own: not drift. */
  static final Set<String> SHELL_KEYS = Set.of("PWD", "OLDPWD", "SHLVL", "_");

  private MainProcess() {}

  /**
   * What an instance was launched with, as digests.
   *
   * @param env key → digest of its value; a key mapped to {@code ""} is checked for presence only
   *     (a secret of an adopted instance: its value was never stored)
   */
  record Expected(Map<String, String> env) {
    Expected {
      env = Map.copyOf(env);
    }

    /** From the launched environment; {@code presenceOnly} keys are not compared by value. */
    static Expected of(Map<String, String> launched, Set<String> presenceOnly, byte[] key) {
      Map<String, String> env = new TreeMap<>();
      launched.forEach((k, v) -> env.put(k, digest(key, v)));
      presenceOnly.forEach(k -> env.put(k, ""));
      return new Expected(env);
    }
  }

  /** The main process as read from {@code /proc}: environment as digests, command line, exe. */
  record Observed(Map<String, String> env, String command, String exe) {
    Observed {
      env = Map.copyOf(env);
    }
  }

  /** Drift of the environment or command: the subject and the evidence (key names, no values). */
  record Finding(String subject, Map<String, String> evidence) {
    Finding {
      evidence = Map.copyOf(evidence);
    }
  }

  /**
   * @param settled the command the main process settled on (its {@code command} digest and exe), if
   *     it has
   */
  static Optional<Finding> compare(Expected expected, Optional<Observed> settled, Observed now) {
    Set<String> added = new TreeSet<>();
    Set<String> removed = new TreeSet<>();
    Set<String> changed = new TreeSet<>();
    for (var e : expected.env().entrySet()) {
      String found = now.env().get(e.getKey());
      if (found == null) removed.add(e.getKey());
      else if (!e.getValue().isEmpty() && !e.getValue().equals(found)) changed.add(e.getKey());
    }
    for (String k : now.env().keySet()) {
      if (!expected.env().containsKey(k) && !SHELL_KEYS.contains(k)) added.add(k);
    }
    boolean envDrift = !(added.isEmpty() && removed.isEmpty() && changed.isEmpty());
    boolean commandDrift = settled.isPresent() && !settled.get().command().equals(now.command());
    if (!envDrift && !commandDrift) return Optional.empty();
    Map<String, String> evidence = new LinkedHashMap<>();
    if (envDrift) {
      evidence.put("added", names(added));
      evidence.put("removed", names(removed));
      evidence.put("changed", names(changed));
    }
    if (commandDrift) {
      evidence.put("expected", settled.get().exe() + " " + settled.get().command());
      evidence.put("found", now.exe() + " " + now.command());
    }
    List<String> parts = new ArrayList<>();
    if (envDrift) parts.add("environment");
    if (commandDrift) parts.add("command");
    return Optional.of(new Finding(String.join(" and ", parts), evidence));
  }

  /**
   * Reads {@code pid}'s environment (digests keyed with {@code key}), command line (a digest: its
   * arguments may be anything) and executable; empty if it is gone.
   */
  static Optional<Observed> read(long pid, byte[] key) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      Map<String, String> env = new TreeMap<>();
      for (String pair : split(Files.readAllBytes(proc.resolve("environ")))) {
        int eq = pair.indexOf('=');
        if (eq > 0) env.put(pair.substring(0, eq), digest(key, pair.substring(eq + 1)));
      }
      byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
      String argv0 = split(cmdline).stream().findFirst().orElse("");
      String command =
          argv0
              + " sha256:"
              + digest(new byte[0], new String(cmdline, StandardCharsets.UTF_8)).substring(0, 16);
      return Optional.of(new Observed(env, command, InstanceScan.hostExe(pid)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * A digest (keyed with {@code key}) of {@code pid}'s environ and cmdline as they are, not parsed:
   * equal while neither changed; empty if it is gone.
   */
  static Optional<byte[]> rawDigest(long pid, byte[] key) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(key);
      byte[] environ = Files.readAllBytes(proc.resolve("environ"));
      md.update(Integer.toString(environ.length).getBytes(StandardCharsets.US_ASCII));
      md.update((byte) 0);
      md.update(environ);
      md.update(Files.readAllBytes(proc.resolve("cmdline")));
      return Optional.of(md.digest());
    } catch (IOException e) {
      return Optional.empty();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> split(byte[] nulSeparated) {
    List<String> out = new ArrayList<>();
    for (String s : new String(nulSeparated, StandardCharsets.UTF_8).split("\0")) {
      if (!s.isEmpty()) out.add(s);
    }
    return out;
  }

  private static String names(Set<String> keys) {
    return keys.isEmpty() ? "-" : String.join(",", keys);
  }

  /**
   * A digest of {@code value} keyed with {@code key}: equal values compare equal, none is shown.
   */
  static String digest(byte[] key, String value) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(key);
      md.update((byte) 0);
      return HexFormat.of().formatHex(md.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
