package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service whose instances outgrow their memory limit, end to end on real cgroups: each instance
 * serves, then allocates until the OOM killer ends it; Kiln journals why, with the limit and the
 * peak, and the healer replaces it with a new instance (never restarting the old one).
 */
class ResourceLimitsIT {
  @TempDir Path tmp;

  @Test
  void anInstanceOverItsMemoryLimit_isOOMKilled_journaled_andReplaced() throws Exception {
    assumeTrue(
        Files.isWritable(Path.of("/sys/fs/cgroup/memory"))
            || Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers")),
        "no writable cgroups (run as root)");
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path file = k.folder.resolve("kiln-oom.yaml");
      Files.writeString(
          file,
          """
          images:
            a:
              from: scratch
              steps:
                - copy: { src: bin/, dest: /bin }
                - copy: { src: site-a/, dest: /www }
              entrypoint: [ /bin/sh, -c, "busybox httpd -p 127.0.0.1:$PORT -h /www; sleep 1; x=a; while :; do x=$x$x; done" ]
          services:
            web:
              image: a
              replicas: 1
              resources: { memory: 32Mi, cpu: 0.5, pids: 64 }
              health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
          """);

      k.apply(file);

      JsonNode entry = awaitLimitEntry(k);
      assertThat(entry.get("subject").asText()).isEqualTo("web");
      JsonNode body = entry.get("body");
      assertThat(body.get("reason").asText()).isEqualTo("OOMKilled");
      assertThat(body.get("limit").asText()).isEqualTo("32Mi");
      assertThat(body.get("peakBytes").asLong()).isBetween(16L << 20, 32L << 20);

      String killed = body.get("instance").asText();
      Set<String> seen = new HashSet<>();
      long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < end && !seen.stream().anyMatch(id -> !id.equals(killed))) {
        k.service("web").get("instances").forEach(i -> seen.add(i.get("id").asText()));
        Thread.sleep(100);
      }
      assertThat(seen).as("a new instance replaces %s", killed).anyMatch(id -> !id.equals(killed));
    }
  }

  private static JsonNode awaitLimitEntry(KilnFixture k) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < end) {
      JsonNode entries =
          k.json(k.get("/v1/journal?kind=" + "instance-limit-exceeded")).get("entries");
      if (!entries.isEmpty()) return entries.get(0);
      Thread.sleep(100);
    }
    throw new AssertionError("no " + "instance-limit-exceeded" + " entry in the journal");
  }
}
