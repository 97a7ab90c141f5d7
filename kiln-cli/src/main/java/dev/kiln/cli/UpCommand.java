package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln up`.
@Command(name = "up", description = "Not implemented yet.")
public final class UpCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln up: not implemented yet");
    return 3;
  }
}
