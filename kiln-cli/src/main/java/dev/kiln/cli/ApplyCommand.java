package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln apply`.
@Command(name = "apply", description = "Not implemented yet.")
public final class ApplyCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln apply: not implemented yet");
    return 3;
  }
}
