package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

// Placeholder: replaced by the implementation of `kiln images`.
@Command(name = "images", description = "Not implemented yet.")
public final class ImagesCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("kiln images: not implemented yet");
    return 3;
  }
}
