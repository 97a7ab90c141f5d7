package dev.kiln.cli;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.BakerCheck;
import dev.kiln.image.BakerEvent;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.model.KilnException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln bake}: the blueprint's images into $KILN_HOME/images, reproducibly. */
@Command(
    name = "bake",
    mixinStandardHelpOptions = true,
    description = {
      "Bake the blueprint's images into the image store ($KILN_HOME/images, an OCI layout),",
      "print each image's name and digest, and tag it by name once its tests pass.",
      "Same blueprint and inputs => same digests (SOURCE_DATE_EPOCH sets the timestamp)."
    })
public final class BakeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin BlueprintOption blueprint;
  @Mixin HomeOption home;

  @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Images to bake (default: all).")
  List<String> images = new ArrayList<>();

  @Option(
      names = "--check",
      description = "Also rebuild from nothing and compare digests; exit 1 if they differ.")
  boolean check;

  @Option(
      names = "--no-cache",
      description = "Rebuild every layer instead of reusing unchanged ones.")
  boolean noCache;

  @Option(
      names = "--skip-tests",
      description = "Do not run the images' test: entries (not recommended).")
  boolean skipTests;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return bake(out);
    } catch (KilnException e) {
      out.flush();
      err.println("error: " + e.getMessage());
      err.flush();
      return 1;
    } finally {
      out.flush();
    }
  }

  private int bake(PrintWriter out) {
    Path kilnHome = home.home();
    Blueprint bp = BlueprintParser.parse(blueprint.file);
    ImageStore store = ImageStore.open(kilnHome.resolve("images"));
    BakeOptions options =
        BakeOptions.defaults()
            .withCache(!noCache)
            .withTests(!skipTests)
            .withKeysDir(Optional.of(kilnHome.resolve("keys")))
            .withListener(event -> print(out, event));
    Path cache = kilnHome.resolve("cache");
    if (!check) {
      BakeResult result = new Baker(store, cache, options).bake(bp, images);
      summary(out, result);
      return 0;
    }
    BakerCheck.Result result = BakerCheck.check(store, cache, options, bp, images);
    summary(out, result.baked());
    for (BakeResult.BakedImage image : result.baked().images()) {
      Optional<BakerCheck.Difference> d =
          result.differences().stream().filter(x -> x.image().equals(image.name())).findFirst();
      if (d.isEmpty()) {
        out.println(image.name() + "  reproducible: " + image.manifest().digest());
      } else {
        out.println(image.name() + "  NOT reproducible: " + d.get().what());
        out.println("  baked   " + d.get().stored());
        out.println("  rebuilt " + d.get().rebuilt());
      }
    }
    return result.reproducible() ? 0 : 1;
  }

  private static void summary(PrintWriter out, BakeResult result) {
    boolean unsigned = false;
    for (BakeResult.BakedImage image : result.images()) {
      out.println(image.name() + "  " + image.manifest().digest());
      image.signedBy().ifPresent(k -> out.println("  signed by host key " + k));
      unsigned |= image.signedBy().isEmpty();
    }
    if (unsigned) out.println("unsigned: run `kiln keygen` once to sign the images you bake");
  }

  private static void print(PrintWriter out, BakerEvent event) {
    switch (event) {
      case BakerEvent.ImageStarted s ->
          out.println(
              s.image()
                  + ": from "
                  + s.from()
                  + ", "
                  + s.steps()
                  + " step"
                  + (s.steps() == 1 ? "" : "s"));
      case BakerEvent.Note n -> out.println("  " + n.message());
      case BakerEvent.StepDone d ->
          out.println(
              "  ["
                  + d.index()
                  + "/"
                  + d.total()
                  + "] "
                  + d.step()
                  + (d.cached()
                      ? " (cached)"
                      : "  "
                          + d.layer().digest().shortHex()
                          + String.format(" %.1fs", d.took().toMillis() / 1000.0)));
      case BakerEvent.TestDone t ->
          out.println("  test " + t.test() + (t.passed() ? " ok" : " FAILED"));
      case BakerEvent.ImageDone d ->
          out.println(String.format("  done in %.1fs", d.took().toMillis() / 1000.0));
    }
    out.flush();
  }
}
