package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln journal`.
@Command(name = "journal", description = "Not implemented yet.")
public final class JournalCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln journal: not implemented yet");
    return 3;
  }
}
