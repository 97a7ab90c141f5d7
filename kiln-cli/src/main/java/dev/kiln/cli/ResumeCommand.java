package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln resume`.
@Command(name = "resume", description = "Not implemented yet.")
public final class ResumeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln resume: not implemented yet");
    return 3;
  }
}
