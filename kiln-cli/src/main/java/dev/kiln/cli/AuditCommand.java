package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln audit`.
@Command(name = "audit", description = "Not implemented yet.")
public final class AuditCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln audit: not implemented yet");
    return 3;
  }
}
