package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /v1/environments/promote} ({@code kiln env promote}): roll {@code to} to the revision
 * live in {@code from}; with {@code dryRun: true}, only the verdict.
 */
public record PromoteRequest(
    String service,
    String from,
    String to,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Boolean dryRun) {}
