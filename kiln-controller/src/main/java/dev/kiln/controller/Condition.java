package dev.kiln.controller;

import java.time.Instant;

/**
 * One status condition of a rollout, as in Kubernetes and Argo Rollouts: a type holds at most one
 * current condition, with a machine-readable reason and a human message.
 */
public record Condition(String type, boolean status, String reason, String message, Instant at) {
  public static final String PROGRESSING = "Progressing";
  public static final String PAUSED = "Paused";
  public static final String ANALYSIS = "Analysis";
  public static final String COMPLETED = "Completed";
  public static final String ABORTED = "Aborted";
}
