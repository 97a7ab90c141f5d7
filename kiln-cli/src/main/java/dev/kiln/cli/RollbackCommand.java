package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln rollback`.
@Command(name = "rollback", description = "Not implemented yet.")
public final class RollbackCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln rollback: not implemented yet");
    return 3;
  }
}
