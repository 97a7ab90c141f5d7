package dev.kiln.controller;

import dev.kiln.model.Digest;
import dev.kiln.model.DriftPolicy;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Location;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small builders shared by the tests: specs, digests, a fixed epoch and counting ids. */
final class Fixtures {
  private Fixtures() {}

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration DEADLINE = Duration.ofMinutes(10);

  static Digest digest(String seed) {
    return Digest.of(seed.getBytes(StandardCharsets.UTF_8));
  }

  static HealthCheck health() {
    return new HealthCheck(
        new HealthCheck.Probe.Http("/", 200),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        2,
        3,
        HealthCheck.DEFAULT_START_DEADLINE);
  }

  static ServiceSpec spec(String name, String image, int replicas, Map<String, String> env) {
    return spec(name, image, replicas, env, List.of());
  }

  static ServiceSpec spec(
      String name, String image, int replicas, Map<String, String> env, List<String> secrets) {
    return new ServiceSpec(
        name,
        image,
        replicas,
        Optional.of(health()),
        Optional.of(new Route("*", "/")),
        Strategy.Rolling.DEFAULT,
        DEADLINE,
        new LinkedHashMap<>(env),
        secrets,
        Map.of("data", "/var/lib/app"),
        Resources.UNLIMITED,
        "process",
        Optional.empty(),
        "private",
        DriftPolicy.DEFAULT,
        new Location(java.nio.file.Path.of("kiln.yaml"), 12, 3));
  }

  static Revision revision(String service, int number, String imageSeed, Map<String, String> env) {
    return new Revision(
        service, number, digest(imageSeed), RuntimeConfig.of(spec(service, "img", 1, env)));
  }

  /** Ids like {@code web-r2-0007}: deterministic, unique per source (and per prefix). */
  static final class CountingIds implements IdSource {
    private final String prefix;
    private int next = 1;

    CountingIds() {
      this("");
    }

    CountingIds(String prefix) {
      this.prefix = prefix;
    }

    /** A source that will hand out exactly the ids this one would from now on. */
    CountingIds copy() {
      CountingIds c = new CountingIds(prefix);
      c.next = next;
      return c;
    }

    @Override
    public String newInstanceId(String service, int revision) {
      return String.format("%s%s-r%d-%04d", prefix, service, revision, next++);
    }
  }

  static ObservedInstance instance(String id, int revision, ObservedInstance.Phase phase) {
    return new ObservedInstance(id, "web", revision, phase, T0, 0);
  }

  static Strategy.Canary canary(int... weights) {
    List<Strategy.CanaryStep> steps = new java.util.ArrayList<>();
    for (int w : weights) steps.add(new Strategy.CanaryStep(w, Optional.of(Duration.ofMinutes(1))));
    return new Strategy.Canary(
        steps, Optional.of(new Strategy.Analysis(0.01, Optional.of(Duration.ofMillis(250)), 100)));
  }

  static Strategy.BlueGreen blueGreen() {
    return new Strategy.BlueGreen(Optional.empty(), Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY);
  }

  static RevisionMetrics good() {
    return new RevisionMetrics(1000, 2, Duration.ofMillis(80));
  }

  static RevisionMetrics bad() {
    return new RevisionMetrics(1000, 120, Duration.ofMillis(80));
  }
}
