package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln plan`.
@Command(name = "plan", description = "Not implemented yet.")
public final class PlanCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln plan: not implemented yet");
    return 3;
  }
}
