package dev.kiln.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pure rendering of the API's kiln-api records into table cells, shared by the read commands.
 * Missing fields render as "-" rather than failing: a newer server may omit or add fields.
 */
public final class ApiRender {
  private ApiRender() {}

  /** A kiln-api record's text: {@code -} when empty or absent. */
  public static String text(@dev.kiln.api.Nullable String v) {
    return v == null || v.isEmpty() ? "-" : v;
  }

  /**
   * An ISO-8601 duration as a blueprint writes it ({@code PT10M} → {@code 10m}); other text as is.
   */
  public static String duration(@dev.kiln.api.Nullable String iso) {
    if (iso == null || iso.isEmpty()) return "-";
    try {
      return dev.kiln.model.Durations.human(java.time.Duration.parse(iso));
    } catch (java.time.format.DateTimeParseException e) {
      return iso;
    }
  }

  /** An ISO instant to whole seconds in UTC: {@code 2026-11-23T06:52:23Z} (other text as it is). */
  public static String time(@dev.kiln.api.Nullable String value) {
    String t = text(value);
    try {
      return Instant.parse(t).truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeParseException e) {
      return t;
    }
  }

  /**
   * A time to come, to the second and never early: {@code eligible at 10:10:01Z} for {@code
   * 10:10:00.703Z}, so that acting at the time shown is not refused as too soon.
   */
  public static String timeUp(@dev.kiln.api.Nullable String value) {
    String t = text(value);
    try {
      Instant exact = Instant.parse(t);
      Instant s = exact.truncatedTo(ChronoUnit.SECONDS);
      return (s.equals(exact) ? s : s.plusSeconds(1)).toString();
    } catch (DateTimeParseException e) {
      return t;
    }
  }

  /**
   * {@code sha256:0123456789ab} of a kiln-api record's digest, enough to tell images apart in a
   * table; {@code -} when there is none.
   */
  public static String shortDigest(@dev.kiln.api.Nullable String digest) {
    String d = text(digest);
    int colon = d.indexOf(':');
    return colon > 0 && d.length() > colon + 13 ? d.substring(0, colon + 13) : d;
  }

  /** A kiln-api record's number (revision, pid), or "-" when there is none. */
  public static String number(@dev.kiln.api.Nullable Number n) {
    return n == null ? "-" : n.toString();
  }

  private static String mebibytes(long bytes) {
    double mi = bytes / (1024.0 * 1024.0);
    return (mi == Math.rint(mi)
            ? Long.toString((long) mi)
            : String.format(java.util.Locale.ROOT, "%.1f", mi))
        + "Mi";
  }

  /** A service's traffic (percent by revision number) as {@code r2 90%, r3 10%}. */
  public static String traffic(Map<String, Integer> traffic) {
    if (traffic.isEmpty()) return "-";
    List<String> parts = new ArrayList<>();
    traffic.forEach((revision, percent) -> parts.add("r" + revision + " " + percent + "%"));
    return String.join(", ", parts);
  }

  /** A kiln-api rollout in one cell: {@code PROGRESSING 1/3}, or "-" when there is none. */
  public static String rolloutCell(@dev.kiln.api.Nullable dev.kiln.api.RolloutView rollout) {
    if (rollout == null) return "-";
    String phase = text(rollout.phase());
    boolean stepped = rollout.steps() > 0 && !phase.equals("SUCCEEDED") && !phase.equals("ABORTED");
    return stepped ? phase + " " + rollout.step() + "/" + rollout.steps() : phase;
  }

  /** CPU time used, and the quota when there is one: {@code 12.3s (0.5 cpu)}. */
  public static String cpu(dev.kiln.api.InstanceView instance) {
    var usage = instance.usage();
    if (usage == null) return "-";
    var limits = instance.limits();
    Double quota = limits == null ? null : limits.cpu();
    return String.format(java.util.Locale.ROOT, "%.1fs", usage.cpuSeconds())
        + (quota != null ? " (" + quota + " cpu)" : "");
  }

  /**
   * Memory in use over its limit; once exited, the peak ({@code 41Mi/256Mi}, {@code peak
   * 256Mi/256Mi}: what an OOMKilled instance reached).
   */
  public static String memory(dev.kiln.api.InstanceView instance) {
    var usage = instance.usage();
    if (usage == null) return "-";
    boolean exited = "exited".equals(instance.state());
    long bytes = exited ? usage.memoryPeakBytes() : usage.memoryBytes();
    var limits = instance.limits();
    Long limit = limits == null ? null : limits.memoryBytes();
    return (exited ? "peak " : "")
        + mebibytes(bytes)
        + (limit != null ? "/" + mebibytes(limit) : "");
  }

  /**
   * Whether stdout is an interactive terminal: decides live redraws and colour. Since JDK 22 {@code
   * System.console()} is non-null even when redirected, so ask {@code isTerminal()} where it
   * exists. The {@code kiln.terminal} system property overrides the guess (tests).
   */
  public static boolean interactive() {
    String forced = System.getProperty("kiln.terminal");
    if (forced != null) return Boolean.parseBoolean(forced);
    Console c = System.console();
    if (c == null || "dumb".equals(System.getenv("TERM"))) return false;
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (boolean) isTerminal.invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }

  /** Colour only on a terminal and only if the user has not asked for none (no-color.org). */
  public static boolean colour() {
    String noColor = System.getenv("NO_COLOR");
    return interactive() && (noColor == null || noColor.isEmpty());
  }
}
