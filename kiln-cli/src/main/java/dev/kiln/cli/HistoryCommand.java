package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln history`.
@Command(name = "history", description = "Not implemented yet.")
public final class HistoryCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln history: not implemented yet");
    return 3;
  }
}
