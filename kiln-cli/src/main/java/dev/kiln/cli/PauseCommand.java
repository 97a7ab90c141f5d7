package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln pause`.
@Command(name = "pause", description = "Not implemented yet.")
public final class PauseCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln pause: not implemented yet");
    return 3;
  }
}
