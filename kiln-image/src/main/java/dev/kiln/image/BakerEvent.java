package dev.kiln.image;

import java.time.Duration;

/** What the baker reports while it works. */
public sealed interface BakerEvent {
  String image();

  /** An image's bake begins. */
  record ImageStarted(String image, String from, int steps) implements BakerEvent {}

  /** Something slow or notable is happening (debootstrap on first use, an import, a test). */
  record Note(String image, String message) implements BakerEvent {}

  /**
   * Step {@code index} (1-based) of {@code total} produced {@code layer}, or found it in the cache.
   */
  record StepDone(
      String image,
      int index,
      int total,
      String step,
      Descriptor layer,
      boolean cached,
      Duration took)
      implements BakerEvent {}

  /** An image test ran. */
  record TestDone(String image, String test, boolean passed) implements BakerEvent {}

  /** The image is stored and tagged. */
  record ImageDone(String image, Descriptor manifest, Duration took) implements BakerEvent {}
}
