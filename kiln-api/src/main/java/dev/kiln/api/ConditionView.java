package dev.kiln.api;

/** One condition of a rollout, as Kubernetes-style status: what, whether, why, when. */
public record ConditionView(
    String type, boolean status, String reason, String message, String at) {}
