package dev.kiln.api;

/** {@code POST /v1/ui/logout}: the session ended ({@code loggedOut} is always true). */
public record UiLogout(boolean loggedOut) {}
