package dev.kiln.api;

/**
 * {@code POST /v1/services/{name}/rollback}: the revision rolled back to, how ({@code warm} is one
 * router swap), and the fast-tracked rollout when the old fleet was gone.
 */
public record RollbackResponse(RevisionView revision, String mode, @Nullable RolloutView rollout) {}
