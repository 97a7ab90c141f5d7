package dev.kiln.runtime;

/** The outcome of a command run inside an instance: its exit code and (bounded) merged output. */
public record ExecResult(int exitCode, String output) {
  public boolean succeeded() {
    return exitCode == 0;
  }
}
