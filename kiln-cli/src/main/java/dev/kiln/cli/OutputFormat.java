package dev.kiln.cli;

import picocli.CommandLine.Option;

/**
 * {@code -o table|json} for the commands that read the control plane's state. {@code json} prints
 * the server's own JSON (pretty), so scripts see exactly the API contract's shapes.
 */
public final class OutputFormat {
  public enum Format {
    table,
    json,
    /** Accepted for symmetry with {@code kiln images -o text}. */
    text
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE}).")
  Format format = Format.table;

  public boolean json() {
    return format == Format.json;
  }
}
