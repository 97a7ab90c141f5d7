package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln inspect`.
@Command(name = "inspect", description = "Not implemented yet.")
public final class InspectCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln inspect: not implemented yet");
    return 3;
  }
}
