package dev.kiln.cli;

import picocli.CommandLine;

/** Entry point; the only place that calls System.exit. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI without exiting, for tests. */
  public static int run(String... args) {
    return KilnCommand.commandLine().execute(args);
  }
}
