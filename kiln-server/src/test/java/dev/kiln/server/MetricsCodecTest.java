package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.router.BackendMetrics;
import dev.kiln.router.Latency;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import dev.kiln.router.StatusCounts;
import dev.kiln.router.Traffic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsCodecTest {
  private static final LatencySnapshot H =
      LatencySnapshot.ofBuckets(Map.of(1L, 3L, 2_048L, 40L, 327_680L, 2L));

  private static RouterMetrics metrics(LatencySnapshot h) {
    Latency l =
        new Latency(
            h.count(),
            Duration.ofMillis(700),
            h.quantile(0.5),
            h.quantile(0.9),
            h.quantile(0.99),
            h);
    Traffic t = new Traffic(h.count(), new StatusCounts(0, h.count() - 1, 0, 0, 1), 2, l);
    return new RouterMetrics(
        4,
        1,
        List.of(
            new ServiceMetrics(
                "web", t, List.of(new BackendMetrics("w-1", "2", t, 0, false, true)))));
  }

  @Test
  void theLatencyHistogramCrossesFromTheRouterProcessIntact() {
    RouterMetrics m = metrics(H);
    RouterMetrics back = MetricsCodec.metrics(Json.parse(Json.write(MetricsCodec.metrics(m))));
    assertThat(back).isEqualTo(m);
    assertThat(back.service("web").get().latencyByRevision().get("2")).isEqualTo(H);
  }

  @Test
  void aRouterWithoutHistograms_readsAsEmpty_andAForeignBucketLayoutIsRefused() {
    ObjectNode n = MetricsCodec.metrics(metrics(H));
    ObjectNode traffic =
        (ObjectNode) n.get("services").get(0).get("backends").get(0).get("traffic");
    traffic.remove("histogram");
    assertThat(
            MetricsCodec.metrics(n)
                .services()
                .get(0)
                .backends()
                .get(0)
                .traffic()
                .latency()
                .histogram())
        .isEqualTo(LatencySnapshot.EMPTY);
    ((ArrayNode) traffic.putArray("histogram")).add(1_000).add(5);
    assertThatThrownBy(() -> MetricsCodec.metrics(n))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("1000µs");
  }
}
