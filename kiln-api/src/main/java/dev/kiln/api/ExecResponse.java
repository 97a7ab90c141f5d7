package dev.kiln.api;

/**
 * The break-glass command's outcome: its exit code and output; {@code replaced} is always true (the
 * instance is tainted and replaced).
 */
public record ExecResponse(String instance, int exitCode, String output, boolean replaced) {}
