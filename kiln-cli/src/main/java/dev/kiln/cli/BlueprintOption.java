package dev.kiln.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The shared {@code -f kiln.yaml} option. */
public final class BlueprintOption {
  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "The blueprint (default: ${DEFAULT-VALUE}).",
      defaultValue = "kiln.yaml")
  public Path file;
}
