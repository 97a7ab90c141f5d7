package dev.kiln.image;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.oci.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kiln bake --check}: bakes as usual, then bakes again from nothing — no layer cache, a
 * temporary store — and compares digests. A difference names the first layer that differs, with its
 * step and location, since every later layer's difference may only be a consequence.
 */
public final class BakerCheck {
  /** One image whose rebuild differs from the stored image. */
  public record Difference(String image, Digest stored, Digest rebuilt, String what) {}

  public record Result(BakeResult baked, List<Difference> differences) {
    public Result {
      differences = List.copyOf(differences);
    }

    public boolean reproducible() {
      return differences.isEmpty();
    }
  }

  private BakerCheck() {}

  public static Result check(
      ImageStore store, Path cacheDir, BakeOptions options, Blueprint bp, List<String> names) {
    BakeResult stored = new Baker(store, cacheDir, options).bake(bp, names);
    Path work = cacheDir.toAbsolutePath().resolve("work");
    Path temp;
    try {
      Files.createDirectories(work);
      temp = Files.createTempDirectory(work, "check-");
    } catch (IOException e) {
      throw new ImageException(
          "cannot create a temporary store in " + work + ": " + e.getMessage(), e);
    }
    try {
      options
          .listener()
          .on(
              new BakerEvent.Note(
                  "", "check: rebuilding from nothing (no cache, temporary store)"));
      BakeOptions fresh = options.withCache(false).withTests(false).withKeysDir(Optional.empty());
      BakeResult rebuilt =
          new Baker(ImageStore.open(temp.resolve("store")), cacheDir, fresh).bake(bp, names);
      List<Difference> differences = new ArrayList<>();
      for (BakeResult.BakedImage a : stored.images()) {
        BakeResult.BakedImage b = rebuilt.image(a.name()).orElseThrow();
        if (!a.manifest().digest().equals(b.manifest().digest())) {
          differences.add(
              new Difference(
                  a.name(), a.manifest().digest(), b.manifest().digest(), firstDifference(a, b)));
        }
      }
      return new Result(stored, differences);
    } finally {
      Trees.deleteQuietly(temp);
    }
  }

  static String firstDifference(BakeResult.BakedImage a, BakeResult.BakedImage b) {
    int n = Math.min(a.layers().size(), b.layers().size());
    for (int i = 0; i < n; i++) {
      BakeResult.BakedLayer la = a.layers().get(i);
      BakeResult.BakedLayer lb = b.layers().get(i);
      if (!la.layer().digest().equals(lb.layer().digest())) {
        return "layer "
            + (i + 1)
            + " ("
            + la.step()
            + ", "
            + la.at()
            + ") differs: "
            + la.layer().digest()
            + " then "
            + lb.layer().digest();
      }
    }
    if (a.layers().size() != b.layers().size()) return "the number of layers differs";
    return "the layers are identical but the config or manifest differs";
  }
}
