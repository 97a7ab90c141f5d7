package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln promote`.
@Command(name = "promote", description = "Not implemented yet.")
public final class PromoteCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln promote: not implemented yet");
    return 3;
  }
}
