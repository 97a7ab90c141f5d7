package dev.kiln.model;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Every kind of entry the server writes to its journal, by its stable hyphenated name: what a
 * blueprint's {@code notify: { events: [...] }} may name (with {@code *} globs) and is checked
 * against. The server's {@code JournalEventKindsTest} proves this list equals its sealed event
 * family plus the planners' event kinds, so adding a kind there without adding it here fails the
 * build.
 */
public final class JournalKinds {
  /** Every kind, in name order. */
  public static final SortedSet<String> ALL =
      Collections.unmodifiableSortedSet(
          new TreeSet<>(
              java.util.List.of(
                  "admission-excepted",
                  "admission-refused",
                  "blueprint-applied",
                  "canary-step",
                  "certificate-installed",
                  "certificate-removed",
                  "env-promoted",
                  "environment-applied",
                  "git-applied",
                  "git-drifted",
                  "git-refused",
                  "image-baked",
                  "image-refused",
                  "image-verified",
                  "instance-adopted",
                  "instance-drifted",
                  "instance-failed",
                  "instance-limit-exceeded",
                  "instance-moved",
                  "instance-replaced",
                  "instance-starting",
                  "instance-stopping",
                  "notify-configured",
                  "notify-delivered",
                  "notify-failed",
                  "patch-started",
                  "policy-exception",
                  "preview-ready",
                  "promotion-refused",
                  "restored",
                  "revision-created",
                  "rollback",
                  "rollout-aborted",
                  "rollout-intent",
                  "rollout-paused",
                  "rollout-resumed",
                  "rollout-started",
                  "rollout-state",
                  "rollout-succeeded",
                  "server-started",
                  "service-removed",
                  "service-scaled",
                  "snapshot-created",
                  "snapshot-drill",
                  "traffic-set",
                  "traffic-switched")));

  /**
   * The kinds a webhook may receive: all but the notifier's own ({@code notify-*}). Delivering the
   * outcome of a delivery would make a failing endpoint feed itself without end.
   */
  public static final SortedSet<String> DELIVERABLE =
      Collections.unmodifiableSortedSet(
          ALL.stream()
              .filter(k -> !k.startsWith("notify-"))
              .collect(Collectors.toCollection(TreeSet::new)));

  private JournalKinds() {}

  /**
   * Whether {@code kind} matches {@code pattern}, where {@code *} stands for any run of characters.
   */
  public static boolean matches(String pattern, String kind) {
    return matches(pattern, 0, kind, 0);
  }

  /**
   * Whether a webhook subscribed to {@code events} (kinds and globs) receives an entry of {@code
   * kind}.
   */
  public static boolean delivers(java.util.List<String> events, String kind) {
    return DELIVERABLE.contains(kind) && events.stream().anyMatch(p -> matches(p, kind));
  }

  /** The deliverable kinds {@code pattern} matches (empty for a pattern that matches none). */
  public static SortedSet<String> deliverable(String pattern) {
    return DELIVERABLE.stream()
        .filter(k -> matches(pattern, k))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  // Backtracking glob over short strings (kind names): patterns are bounded by the blueprint's
  // scalar limit and kinds by this list, and a run of '*' collapses to one.
  private static boolean matches(String p, int i, String s, int j) {
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '*') {
        while (i < p.length() && p.charAt(i) == '*') i++;
        if (i == p.length()) return true;
        for (int k = j; k <= s.length(); k++) if (matches(p, i, s, k)) return true;
        return false;
      }
      if (j >= s.length() || s.charAt(j) != c) return false;
      i++;
      j++;
    }
    return j == s.length();
  }
}
