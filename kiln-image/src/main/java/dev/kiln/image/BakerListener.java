package dev.kiln.image;

/** Receives the baker's progress; the CLI prints it, tests record it. Must not throw. */
@FunctionalInterface
public interface BakerListener {
  void on(BakerEvent event);
}
