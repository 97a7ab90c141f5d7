package dev.kiln.api;

/**
 * {@code POST /v1/policy/exceptions}: {@code until} is a date (through that day, UTC) or instant.
 */
public record PolicyExceptionRequest(String advisory, String until, String reason) {}
