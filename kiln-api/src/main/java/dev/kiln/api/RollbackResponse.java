package dev.kiln.api;

/**
 * {@code POST /v1/services/{name}/rollback}: the revision rolled back to, how ({@code swap}: one
 * router swap to old instances still running; {@code fast-track}: a rollout), and the fast-tracked
 * rollout when the old fleet was gone.
 */
public record RollbackResponse(RevisionView revision, String mode, @Nullable RolloutView rollout) {}
