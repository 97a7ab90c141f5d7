package dev.kiln.image;

import dev.kiln.model.Location;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What a bake produced, per image, in the order the images were baked. */
public record BakeResult(List<BakedImage> images) {
  public BakeResult {
    images = List.copyOf(images);
  }

  public Optional<BakedImage> image(String name) {
    return images.stream().filter(i -> i.name().equals(name)).findFirst();
  }

  /**
   * One baked image.
   *
   * @param layers the base's layers first, then one per step
   * @param signedBy the host key id that signed it, if a key was there
   */
  public record BakedImage(
      String name,
      Descriptor manifest,
      List<BakedLayer> layers,
      Duration took,
      Optional<String> signedBy) {
    public BakedImage {
      layers = List.copyOf(layers);
    }
  }

  /**
   * One layer and where it came from.
   *
   * @param step how the step reads for humans ({@code copy site/ -> /www}, {@code base
   *     debian:bookworm})
   * @param cached true when the layer came from the layer cache (or from the base) without work
   * @param took how long the step took (cache lookups included)
   */
  public record BakedLayer(
      String step, Location at, Descriptor layer, boolean cached, Duration took) {}
}
