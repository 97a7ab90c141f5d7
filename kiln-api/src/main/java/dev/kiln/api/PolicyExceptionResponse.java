package dev.kiln.api;

/** The policy exception as journaled: its entry, the advisory, and the instant it ends. */
public record PolicyExceptionResponse(long seq, String advisory, String until) {}
