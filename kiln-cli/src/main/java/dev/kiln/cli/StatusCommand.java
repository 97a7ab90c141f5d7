package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln status`.
@Command(name = "status", description = "Not implemented yet.")
public final class StatusCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln status: not implemented yet");
    return 3;
  }
}
