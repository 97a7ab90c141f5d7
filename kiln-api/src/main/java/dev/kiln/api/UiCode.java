package dev.kiln.api;

/**
 * {@code POST /v1/ui/codes} ({@code kiln ui}): a one-time dashboard login code, the path that
 * trades it ({@code /ui/login?code=...}), that path on the server's TCP address, and when the code
 * expires.
 */
public record UiCode(String code, String path, String url, String expiresAt) {}
