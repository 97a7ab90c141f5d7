package dev.kiln.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed, validated {@code kiln.yaml}: its images and services, in the order they were written.
 *
 * @param file the blueprint file; copy sources are relative to its folder
 * @param digest sha256 of the file's bytes, recorded when the blueprint is applied
 * @param policy the top-level {@code policy:} (admission), {@link Policy#none()} when absent
 * @param environments the named stages ({@code environments:}); empty: one default environment
 * @param webhooks the top-level {@code notify:} webhooks, in the order written (none when absent)
 */
public record Blueprint(
    Path file,
    Digest digest,
    Map<String, ImageRecipe> images,
    Map<String, ServiceSpec> services,
    Policy policy,
    Map<String, Environment> environments,
    java.util.List<Notify> webhooks) {
  public Blueprint {
    images = Ordered.copyOf(images);
    services = Ordered.copyOf(services);
    environments = Ordered.copyOf(environments);
    webhooks = java.util.List.copyOf(webhooks);
  }

  public Blueprint(
      Path file,
      Digest digest,
      Map<String, ImageRecipe> images,
      Map<String, ServiceSpec> services,
      Policy policy) {
    this(file, digest, images, services, policy, Map.of(), java.util.List.of());
  }

  public Blueprint(
      Path file,
      Digest digest,
      Map<String, ImageRecipe> images,
      Map<String, ServiceSpec> services) {
    this(file, digest, images, services, Policy.none());
  }

  /** The folder copy sources are resolved against, and may not escape. */
  public Path folder() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of("/") : parent;
  }

  public Optional<ImageRecipe> image(String name) {
    return Optional.ofNullable(images.get(name));
  }

  public Optional<ServiceSpec> service(String name) {
    return Optional.ofNullable(services.get(name));
  }

  public Optional<Environment> environment(String name) {
    return Optional.ofNullable(environments.get(name));
  }
}
