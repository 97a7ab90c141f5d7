package dev.kiln.image;

import dev.kiln.model.Base;
import dev.kiln.model.Digest;
import dev.kiln.model.ImageRecipe;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pure part of a bake: the image config a recipe gives on top of its base's, and the texts that
 * go into the manifest. Nothing here may depend on the blueprint's folder, the host or the time:
 * the same recipe must give the same digest wherever and whenever it is baked.
 */
final class BakerConfig {
  private BakerConfig() {}

  /**
   * Docker's rules: env, labels and ports add to the base's (the recipe wins on a clash); a recipe
   * entrypoint resets the base's cmd unless the recipe gives one too.
   */
  static ImageConfig merge(
      ImageConfig base,
      ImageRecipe recipe,
      Instant epoch,
      List<Digest> diffIds,
      List<String> history) {
    Map<String, String> env = new LinkedHashMap<>(Baker.envMap(base.env()));
    env.putAll(recipe.env());
    List<String> entrypoint =
        recipe.entrypoint().isEmpty() ? base.entrypoint() : recipe.entrypoint();
    List<String> cmd =
        !recipe.cmd().isEmpty()
            ? recipe.cmd()
            : recipe.entrypoint().isEmpty() ? base.cmd() : List.of();
    LinkedHashSet<Integer> ports = new LinkedHashSet<>(base.exposedPorts());
    ports.addAll(recipe.expose());
    Map<String, String> labels = new LinkedHashMap<>(base.labels());
    labels.putAll(recipe.labels());
    return new ImageConfig(
        base.architecture(),
        base.os(),
        epoch,
        env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
        entrypoint,
        cmd,
        recipe.workdir().or(base::workdir),
        recipe.user().or(base::user),
        new ArrayList<>(ports),
        labels,
        diffIds,
        history);
  }

  /** The env a run step sees: the base's and the recipe's, as the image will have it. */
  static Map<String, String> runEnv(ImageConfig base, ImageRecipe recipe) {
    Map<String, String> env = new LinkedHashMap<>(Baker.envMap(base.env()));
    env.putAll(recipe.env());
    return env;
  }

  /**
   * How the base reads in annotations: {@code from:} as written for the portable forms, only the
   * file name for {@code oci:} and {@code docker-archive:}, whose paths differ between checkouts.
   */
  static String baseName(Base base) {
    return switch (base) {
      case Base.Scratch s -> "scratch";
      case Base.Debian d -> "debian:" + d.suite();
      case Base.BlueprintImage i -> "image:" + i.name();
      case Base.OciLayout o ->
          "oci:" + o.dir().getFileName() + o.tag().map(t -> ":" + t).orElse("");
      case Base.DockerArchive a -> "docker-archive:" + a.tar().getFileName();
    };
  }

  static Map<String, String> annotations(String image, Base from, Optional<Descriptor> base) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("dev.kiln.image.name", image);
    a.put("org.opencontainers.image.base.name", baseName(from));
    base.ifPresent(b -> a.put("org.opencontainers.image.base.digest", b.digest().toString()));
    return a;
  }
}
