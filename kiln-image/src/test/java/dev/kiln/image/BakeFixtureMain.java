package dev.kiln.image;

import dev.kiln.blueprint.BlueprintParser;
import java.nio.file.Path;
import java.util.List;

/** Bakes in a separate JVM, so a test can kill it: {@code <kiln.yaml> <home>}. */
public final class BakeFixtureMain {
  private BakeFixtureMain() {}

  public static void main(String[] args) {
    Path home = Path.of(args[1]);
    new Baker(
            ImageStore.open(home.resolve("images")), home.resolve("cache"), BakeOptions.defaults())
        .bake(BlueprintParser.parse(Path.of(args[0])), List.of());
  }
}
