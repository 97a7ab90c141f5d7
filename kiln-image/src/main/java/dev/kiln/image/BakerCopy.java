package dev.kiln.image;

import dev.kiln.model.Digest;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * A copy step whose inputs are not known yet: the layer is written on one thread while the source
 * files are hashed for the cache key on the others, so a cold bake costs about the longer of the
 * two instead of their sum. When the key then hits the cache after all (the hash memo was lost),
 * the written layer is the same blob as the cached one, so nothing is left behind.
 */
final class BakerCopy {
  record Made(Descriptor layer, Optional<Descriptor> hit) {}

  private BakerCopy() {}

  static Made make(
      ImageStore store,
      CopyStep.Plan plan,
      Instant epoch,
      boolean useCache,
      LayerCache cache,
      Supplier<Digest> key) {
    FutureTask<Descriptor> writing =
        new FutureTask<>(() -> new LayerWriter(epoch).write(store, plan.entries()));
    Thread.ofPlatform().name("kiln-layer-writer").daemon().start(writing);
    boolean done = false;
    try {
      Optional<Descriptor> hit = Optional.empty();
      Digest k = null;
      if (useCache) {
        k = key.get();
        hit = cache.get(store, k);
      }
      Descriptor layer = result(writing);
      done = true;
      if (hit.isPresent()) return new Made(hit.get(), hit);
      if (k != null) cache.put(k, layer);
      return new Made(layer, Optional.empty());
    } finally {
      if (!done) {
        // Hashing failed: let the writer finish (or fail) before the error goes up.
        try {
          writing.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException ignored) {
          // The hashing error is the one to report.
        }
      }
    }
  }

  private static Descriptor result(FutureTask<Descriptor> writing) {
    try {
      return writing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while writing a layer");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ImageException("cannot write layer: " + cause, cause);
    }
  }
}
