package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln bake`.
@Command(name = "bake", description = "Not implemented yet.")
public final class BakeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln bake: not implemented yet");
    return 3;
  }
}
