package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln validate`.
@Command(name = "validate", description = "Not implemented yet.")
public final class ValidateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln validate: not implemented yet");
    return 3;
  }
}
