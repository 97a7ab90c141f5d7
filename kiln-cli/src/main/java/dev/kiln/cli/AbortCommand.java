package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln abort`.
@Command(name = "abort", description = "Not implemented yet.")
public final class AbortCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln abort: not implemented yet");
    return 3;
  }
}
