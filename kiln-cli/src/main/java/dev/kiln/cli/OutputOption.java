package dev.kiln.cli;

import picocli.CommandLine.Option;

/** {@code -o text|json}: human tables by default, JSON for scripts. */
public final class OutputOption {
  public enum Format {
    text,
    json
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format = Format.text;

  public boolean json() {
    return format == Format.json;
  }
}
