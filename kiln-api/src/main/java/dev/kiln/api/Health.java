package dev.kiln.api;

/** {@code GET /v1/health}: the server's version, home, listen addresses and host key id. */
public record Health(
    String status,
    String version,
    String home,
    String router,
    String api,
    String socket,
    String hostKey) {}
