package dev.kiln.image;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.Step;
import dev.kiln.oci.UnpackLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Bakes a blueprint's images into an {@link ImageStore}: base, one layer per step (from the layer
 * cache when the step's inputs are unchanged), config, manifest, image tests, signature and SBOM,
 * and the tag last — so a failed bake never moves a tag and a killed one leaves only unreferenced
 * blobs and temp folders.
 *
 * <p>Reproducibility: layers come from {@link LayerWriter} (sorted, fixed mtime and owners); the
 * config's {@code created} is the same epoch; nothing folder-, host- or time-dependent is written.
 *
 * <p>{@code run} steps run as root (like a Dockerfile's RUN before USER); the recipe's {@code user}
 * is only written to the config, for instances.
 */
public final class Baker {
  private final ImageStore store;
  private final Path cacheDir;
  private final BakeOptions options;
  private final LayerCache cache;
  private final CopyStep.FileHasher hasher;
  private final BakerBases bases;
  private final UnpackLimits limits = UnpackLimits.fromEnvironment();

  public Baker(ImageStore store, Path cacheDir, BakeOptions options) {
    this.store = store;
    this.cacheDir = cacheDir.toAbsolutePath();
    this.options = options;
    this.cache = new LayerCache(this.cacheDir.resolve("layers"), options.useCache());
    this.hasher =
        options.useCache()
            ? LayerCacheHashes.load(this.cacheDir.resolve("hashes.tsv"))
            : CopyStep.FileHasher::sha256;
    DebianBase debian =
        new DebianBase(
            options.debianCache().orElse(this.cacheDir.resolve("debian")),
            this.cacheDir.resolve("debian-bases"),
            options.epoch(),
            message -> options.listener().on(new BakerEvent.Note("", message)),
            options.refresh() == BakeOptions.Refresh.ALL);
    this.bases = new BakerBases(store, debian, limits, this.cacheDir.resolve("conformed-bases"));
    BakerWork.clearStale(this.cacheDir.resolve("work"));
  }

  /** Bakes {@code names} (all images when empty), each after the images it is based on. */
  public BakeResult bake(Blueprint bp, List<String> names) {
    List<String> order = BakerOrder.order(bp, names);
    Map<String, Descriptor> baked = new HashMap<>();
    List<BakeResult.BakedImage> out = new ArrayList<>();
    try {
      for (String name : order) {
        BakeResult.BakedImage image =
            bakeImage(bp, Objects.requireNonNull(bp.images().get(name), name), baked);
        baked.put(name, image.manifest());
        out.add(image);
      }
    } finally {
      if (hasher instanceof LayerCacheHashes memo) memo.save();
    }
    return new BakeResult(out);
  }

  private BakeResult.BakedImage bakeImage(
      Blueprint bp, ImageRecipe recipe, Map<String, Descriptor> baked) {
    Instant start = options.clock().instant();
    String name = recipe.name();
    List<Step> steps = recipe.steps();
    options
        .listener()
        .on(new BakerEvent.ImageStarted(name, BakerConfig.baseName(recipe.from()), steps.size()));
    BakerBases.Resolved base =
        bases.resolve(
            recipe.from(),
            baked,
            options.epoch(),
            recipe.from().at() + ": image " + name,
            m -> options.listener().on(new BakerEvent.Note(name, m)));
    List<Descriptor> layers = new ArrayList<>(base.layers());
    List<Digest> diffIds = new ArrayList<>(base.diffIds());
    List<String> history = new ArrayList<>(base.config().history());
    List<BakeResult.BakedLayer> record = new ArrayList<>();
    for (Descriptor l : base.layers()) {
      record.add(
          new BakeResult.BakedLayer(
              "from " + BakerConfig.baseName(recipe.from()),
              recipe.from().at(),
              l,
              true,
              Duration.ZERO));
    }
    Map<String, String> env = BakerConfig.runEnv(base.config(), recipe);
    env.put("SOURCE_DATE_EPOCH", Long.toString(options.epoch().getEpochSecond()));
    String workdir = recipe.workdir().or(() -> base.config().workdir()).orElse("/");
    try (BakerWork work = BakerWork.create(cacheDir.resolve("work"), name, limits)) {
      for (int i = 0; i < steps.size(); i++) {
        Step step = steps.get(i);
        Instant stepStart = options.clock().instant();
        String desc = describe(step);
        // "kiln.yaml:7:9: image hello: copy source site/ not found ..." / "...: run step: `cmd`
        // failed"
        String stepWhere =
            step.at() + ": image " + name + (step instanceof Step.Run ? ": run step" : "");
        CopyStep.Plan plan =
            step instanceof Step.Copy c ? CopyStep.plan(bp.folder(), c, stepWhere, hasher) : null;
        Optional<Descriptor> hit;
        Descriptor layer;
        if (plan != null && !(options.useCache() && plan.inputsKnown())) {
          // No cache, or a copy whose files are new or changed (a miss, most likely): write the
          // layer while the inputs are hashed instead of after.
          BakerCopy.Made made =
              BakerCopy.make(
                  store,
                  plan,
                  options.epoch(),
                  options.useCache(),
                  cache,
                  () -> LayerCache.key(layers, keyParts(step, plan, env, workdir, recipe)));
          hit = made.hit();
          layer = made.layer();
          if (hit.isEmpty()) {
            note(name, SpecialFiles.note(SpecialFiles.setId(plan.entries()), List.of()));
          }
        } else {
          Digest key = LayerCache.key(layers, keyParts(step, plan, env, workdir, recipe));
          // A patch re-runs network steps: the cached layer holds yesterday's package versions.
          boolean rerun =
              step instanceof Step.Run r
                  && r.network()
                  && options.refresh() != BakeOptions.Refresh.NONE;
          hit = rerun ? Optional.empty() : cache.get(store, key);
          if (hit.isPresent()) {
            layer = hit.get();
          } else {
            List<LayerEntry> entries =
                switch (step) {
                  case Step.Copy c -> {
                    CopyStep.Plan copy = Objects.requireNonNull(plan, "planned above for a copy");
                    note(name, SpecialFiles.note(SpecialFiles.setId(copy.entries()), List.of()));
                    yield copy.entries();
                  }
                  case Step.Run r -> {
                    RunStep.Changes changes =
                        RunStep.run(work.root(store, layers), r, env, workdir, stepWhere);
                    note(name, changes.note());
                    yield changes.entries();
                  }
                };
            layer = new LayerWriter(options.epoch()).write(store, entries);
            if (step instanceof Step.Run) work.advanced(layers.size() + 1);
            cache.put(key, layer);
          }
        }
        layers.add(layer);
        diffIds.add(layer.digest());
        history.add(desc);
        Duration took = Duration.between(stepStart, options.clock().instant());
        record.add(new BakeResult.BakedLayer(desc, step.at(), layer, hit.isPresent(), took));
        options
            .listener()
            .on(
                new BakerEvent.StepDone(
                    name, i + 1, steps.size(), desc, layer, hit.isPresent(), took));
      }
      ImageConfig config =
          BakerConfig.merge(base.config(), recipe, options.epoch(), diffIds, history);
      Descriptor configBlob = store.put(MediaTypes.CONFIG, config.toBytes());
      Descriptor manifest =
          store.putManifest(
              new ImageManifest(
                  configBlob,
                  layers,
                  BakerConfig.annotations(name, recipe.from(), base.manifest()),
                  Optional.empty(),
                  Optional.empty()));
      if (options.runTests()) {
        new ImageTestRunner(store, options.listener(), options.httpTestDeadline())
            .run(name, manifest, recipe.tests(), work);
      }
      Optional<String> signedBy = BakerFinish.signAndDescribe(store, manifest, options);
      store.tag(name, manifest);
      Duration took = Duration.between(start, options.clock().instant());
      options.listener().on(new BakerEvent.ImageDone(name, manifest, took));
      return new BakeResult.BakedImage(name, manifest, record, took, signedBy);
    }
  }

  private void note(String image, String message) {
    if (!message.isEmpty()) options.listener().on(new BakerEvent.Note(image, message));
  }

  /** The step's cache key parts: everything that can change its layer besides the layers below. */
  private List<String> keyParts(
      Step step,
      CopyStep.@Nullable Plan plan,
      Map<String, String> env,
      String workdir,
      ImageRecipe recipe) {
    List<String> parts = new ArrayList<>();
    parts.add("epoch=" + options.epoch().getEpochSecond());
    switch (step) {
      case Step.Copy c -> {
        parts.add("copy");
        parts.add(Objects.requireNonNull(plan, "planned for every copy").inputs().toString());
      }
      case Step.Run r -> {
        parts.add("run");
        parts.add(r.command());
        parts.add("network=" + r.network());
        env.forEach((k, v) -> parts.add("env " + k + "=" + v));
        parts.add("workdir=" + workdir);
        parts.add("user=" + recipe.user().orElse(""));
      }
    }
    return parts;
  }

  static String describe(Step step) {
    return switch (step) {
      case Step.Copy c -> "copy " + c.src() + " -> " + c.dest();
      case Step.Run r -> "run " + (r.network() ? "(network) " : "") + oneLine(r.command());
    };
  }

  private static String oneLine(String command) {
    String s = command.strip().replaceAll("\\s+", " ");
    return s.length() > 72 ? s.substring(0, 69) + "..." : s;
  }

  /** {@code KEY=value} lines as an ordered map. */
  static Map<String, String> envMap(List<String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String e : env) {
      int eq = e.indexOf('=');
      if (eq > 0) out.put(e.substring(0, eq), e.substring(eq + 1));
    }
    return out;
  }
}
