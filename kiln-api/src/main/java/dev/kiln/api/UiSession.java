package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * {@code GET /v1/ui/session}: who the page is, the CSRF token its actions send in {@code
 * X-Kiln-CSRF} (empty for a bearer client: it has no cookie to protect), and when the session
 * cookie expires (left out without one).
 */
public record UiSession(
    String principal, String csrf, @JsonInclude(Include.NON_NULL) @Nullable String expiresAt) {}
