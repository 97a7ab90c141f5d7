package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} on a real control plane (process runtime, bubblewrap): the instance families
 * are made from the same {@code InstanceView} records {@code GET /v1/instances} sends, so each
 * instance the view shows with usage or limits has its labelled lines.
 */
class InstanceMetricsIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  @TempDir Path tmp;

  @BeforeAll
  static void needsBubblewrap() {
    KilnFixture.assumeBubblewrap();
  }

  @Test
  void everyInstanceInTheViewHasItsLines() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int revision =
          k.applyAndSettle(
              k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }"), SETTLE);
      String metrics = k.get("/metrics").body();
      JsonNode instances = k.json(k.get("/v1/instances")).get("instances");

      assertThat(metrics).contains("kiln_instances{service=\"web\",health=\"HEALTHY\"} 2\n");
      int checked = 0;
      for (JsonNode i : instances) {
        String labels =
            "{service=\"web\",instance=\""
                + i.get("id").asText()
                + "\",revision=\""
                + revision
                + "\"} ";
        if (i.has("usage")) {
          assertThat(metrics)
              .contains("kiln_instance_memory_bytes" + labels)
              .contains("kiln_instance_cpu_seconds_total" + labels);
          checked++;
        }
        if (i.has("limits") && i.get("limits").has("memoryBytes"))
          assertThat(metrics)
              .contains(
                  "kiln_instance_memory_limit_bytes"
                      + labels
                      + i.get("limits").get("memoryBytes").asText()
                      + "\n");
      }
      // without accounting (no cgroup for the runtime) there are no usage lines to check
      if (checked == 0) assertThat(metrics).doesNotContain("kiln_instance_memory_bytes{");
    }
  }
}
