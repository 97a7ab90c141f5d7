package dev.kiln.controller;

import java.util.Arrays;
import java.util.Locale;

/**
 * The facts the planners report with a journal line of their own ({@link Action.RecordEvent}), by
 * their journal kind ({@code rollout-succeeded}…). A closed set: the server journals each as a
 * typed event, so a planner that reports a new kind must add it here, and {@link
 * Action.RecordEvent} refuses one that is not (the planners' own tests then fail, not the server's
 * loop).
 */
public enum EventKind {
  ROLLOUT_SUCCEEDED,
  ROLLOUT_ABORTED,
  ROLLOUT_PAUSED,
  ROLLOUT_RESUMED,
  INSTANCE_REPLACED,
  CANARY_STEP,
  PREVIEW_READY,
  TRAFFIC_SWITCHED,
  /** A rollback to a warm fleet, in the planner's words (beside the user's request). */
  ROLLBACK;

  /** The journal kind: the name in lower case, hyphenated. */
  public String kind() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The event kind named {@code kind}.
   *
   * @throws IllegalArgumentException naming the known kinds, if it is not one
   */
  public static EventKind of(String kind) {
    return Arrays.stream(values())
        .filter(k -> k.kind().equals(kind))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no planner event kind '"
                        + kind
                        + "'; known: "
                        + Arrays.stream(values()).map(EventKind::kind).toList()
                        + " (add it to dev.kiln.controller.EventKind)"));
  }
}
