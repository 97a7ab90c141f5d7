package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln verify`.
@Command(name = "verify", description = "Not implemented yet.")
public final class VerifyCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln verify: not implemented yet");
    return 3;
  }
}
