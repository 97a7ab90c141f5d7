package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln keygen`.
@Command(name = "keygen", description = "Not implemented yet.")
public final class KeygenCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln keygen: not implemented yet");
    return 3;
  }
}
