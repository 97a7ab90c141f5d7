package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln server`.
@Command(name = "server", description = "Not implemented yet.")
public final class ServerCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln server: not implemented yet");
    return 3;
  }
}
