package dev.kiln.api;

/** {@code POST /v1/hooks/git} (202): a fetch of the followed branch is queued. */
public record GitHookResponse(boolean queued, String branch) {}
