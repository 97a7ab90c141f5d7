package dev.kiln.image;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the {@link Baker} works; none of it changes what an image contains except {@code epoch}.
 *
 * @param epoch the one timestamp of every layer entry and of the config's {@code created}
 *     (SOURCE_DATE_EPOCH, else {@link LayerWriter#DEFAULT_EPOCH})
 * @param useCache reuse layers whose step inputs are unchanged ({@code --no-cache} turns it off)
 * @param runTests run the images' {@code test:} entries before tagging
 * @param keysDir where the host signing key lives; a baked image is signed when a key is there
 * @param debianCache where debootstrap roots are kept; default {@code <cacheDir>/debian}
 * @param clock for timings only: digests never depend on it
 * @param refresh what {@code kiln patch} makes fresh although the cache has it: package versions
 *     come from the network, so a cached layer may hold vulnerable ones
 * @param httpTestDeadline how long an {@code http:} image test polls for its expected status before
 *     it fails (15 s; a test that expects the failure injects a shorter one)
 */
public record BakeOptions(
    Instant epoch,
    boolean useCache,
    boolean runTests,
    Optional<Path> keysDir,
    Optional<Path> debianCache,
    Clock clock,
    BakerListener listener,
    Refresh refresh,
    Duration httpTestDeadline) {

  /** What a bake takes fresh from the network instead of from a cache. */
  public enum Refresh {
    /** Everything the caches have is reused (a plain bake). */
    NONE,
    /** Run steps with {@code network: true} run again; their layers replace the cached ones. */
    NETWORK_STEPS,
    /** As NETWORK_STEPS, and {@code debian:} bases are debootstrapped again from their suite. */
    ALL
  }

  public static BakeOptions defaults() {
    return new BakeOptions(
        LayerWriter.epochFromEnvironment(),
        true,
        true,
        Optional.empty(),
        Optional.empty(),
        Clock.systemUTC(),
        event -> {},
        Refresh.NONE,
        ImageTestRunner.HTTP_DEADLINE);
  }

  public BakeOptions withEpoch(Instant epoch) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withCache(boolean useCache) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withTests(boolean runTests) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withKeysDir(Optional<Path> keysDir) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withDebianCache(Path debianCache) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        Optional.of(debianCache),
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withListener(BakerListener listener) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withHttpTestDeadline(Duration httpTestDeadline) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }

  public BakeOptions withRefresh(Refresh refresh) {
    return new BakeOptions(
        epoch,
        useCache,
        runTests,
        keysDir,
        debianCache,
        clock,
        listener,
        refresh,
        httpTestDeadline);
  }
}
