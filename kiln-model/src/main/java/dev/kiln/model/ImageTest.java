package dev.kiln.model;

import java.util.List;

/** A check run against an instance of a freshly baked image; a failure rejects the image. */
public sealed interface ImageTest {
  Location at();

  /** GET {@code path} on the instance's PORT must answer {@code expect}. */
  record Http(String path, int expect, Location at) implements ImageTest {}

  /** A command run inside the image must exit with {@code expectExit}. */
  record Command(List<String> command, int expectExit, Location at) implements ImageTest {
    public Command {
      command = List.copyOf(command);
    }
  }
}
