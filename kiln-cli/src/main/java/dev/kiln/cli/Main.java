package dev.kiln.cli;

/** Entry point; the only place that calls System.exit. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // One line per log record, time first; the JDK's default spreads each over two lines.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
    }
    System.exit(run(args));
  }

  /** Runs the CLI without exiting, for tests. */
  public static int run(String... args) {
    return KilnCommand.commandLine().execute(args);
  }
}
