package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmallPartsTest {
  @Test
  void routerJvm_sizesTheHeapToTheMachine() {
    assertThat(RouterJvm.options(2, 4L << 30))
        .containsExactly(
            "-Xms512m",
            "-Xmx512m",
            "-Xmn384m",
            "-XX:+UseParallelGC",
            "-XX:ParallelGCThreads=2",
            "-XX:+AlwaysPreTouch",
            "-XX:+PerfDisableSharedMem",
            "-Dio.netty.leakDetection.level=disabled",
            "--enable-native-access=ALL-UNNAMED");
    assertThat(RouterJvm.options(64, 512L << 30)).contains("-Xmx1024m", "-XX:ParallelGCThreads=4");
    assertThat(RouterJvm.options(1, 1L << 30)).contains("-Xmx256m", "-Xmn192m");
  }

  @Test
  void routerJvm_compilesAtLowPriority_whereTheJvmMaySetIt() {
    assertThat(RouterJvm.jitPriority(true))
        .containsExactly("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=10");
    assertThat(RouterJvm.jitPriority(false)).isEmpty(); // the JVM would warn, and change nothing
  }

  @Test
  void routerJvm_heapProperty_setsTheHeapInsteadOfTheMachinesEighth() {
    String before = System.getProperty(RouterJvm.HEAP_PROPERTY);
    try {
      System.setProperty(RouterJvm.HEAP_PROPERTY, "256");
      assertThat(
              RouterJvm.forClassPath(
                  java.nio.file.Path.of("/nonexistent"), RouterJvm.Training.NONE, ""))
          .contains("-Xms256m", "-Xmx256m", "-Xmn192m", "-XX:+AlwaysPreTouch");
      System.setProperty(RouterJvm.HEAP_PROPERTY, "8");
      assertThat(
              RouterJvm.forClassPath(
                  java.nio.file.Path.of("/nonexistent"), RouterJvm.Training.NONE, ""))
          .contains("-Xms64m", "-Xmx64m");
    } finally {
      if (before == null) System.clearProperty(RouterJvm.HEAP_PROPERTY);
      else System.setProperty(RouterJvm.HEAP_PROPERTY, before);
    }
  }

  @Test
  void tunnelIdle_quietForTheTimeout_orForASecondWhileDraining() {
    long s = 1_000_000_000L;
    assertThat(ClientDeadline.tunnelIdle(0, 299 * s, false, 300 * s)).isFalse();
    assertThat(ClientDeadline.tunnelIdle(0, 300 * s, false, 300 * s)).isTrue();
    assertThat(ClientDeadline.tunnelIdle(0, s / 2, true, 300 * s)).isFalse();
    assertThat(ClientDeadline.tunnelIdle(0, s, true, 300 * s)).isTrue();
    assertThat(ClientDeadline.tunnelIdle(0, s / 5, true, s / 5)).isTrue(); // the shorter limit
  }

  @Test
  void stableHash_neverChanges() {
    // pinned values: stickiness across restarts and upgrades depends on them
    assertThat(StableHash.of("")).isEqualTo(StableHash.of(""));
    assertThat(StableHash.of("alice")).isEqualTo(3_821_251_815_001_557_236L);
    assertThat(StableHash.of("alice")).isNotEqualTo(StableHash.of("alicf"));
  }

  @Test
  void cookies_findsOneCookieAmongMany() {
    String header = "a=1; kiln-sticky=abc123; kiln-revision=\"7\"";
    assertThat(Cookies.value(header, "kiln-sticky")).isEqualTo("abc123");
    assertThat(Cookies.value(header, "kiln-revision")).isEqualTo("7");
    assertThat(Cookies.value(header, "kiln")).isNull();
    assertThat(Cookies.value(header, "b")).isNull();
    assertThat(Cookies.value("x-kiln-sticky=1", "kiln-sticky")).isNull();
  }

  @Test
  void histogram_quantilesStayWithinABucketOfTheTruth() {
    var h = new LatencyHistogram();
    for (int i = 1; i <= 1000; i++) h.record(i * 100L); // 0.1 ms .. 100 ms, uniform
    Latency l = h.snapshot();
    assertThat(l.count()).isEqualTo(1000);
    assertThat(l.p50().toNanos() / 1000).isBetween(46_000L, 54_000L);
    assertThat(l.p90().toNanos() / 1000).isBetween(84_000L, 96_000L);
    assertThat(l.p99().toNanos() / 1000).isBetween(92_000L, 106_000L);
  }

  @Test
  void histogram_bucketsCoverEveryValueWithoutGaps() {
    for (long v : new long[] {0, 1, 15, 16, 17, 31, 32, 1000, 123_456_789, Long.MAX_VALUE / 2}) {
      int i = LatencyHistogram.index(v);
      if (v < (1L << 41)) {
        assertThat(LatencyHistogram.lowerBound(i)).isLessThanOrEqualTo(v);
        assertThat(LatencyHistogram.upperBound(i)).isGreaterThan(v);
      }
    }
  }

  @Test
  void clientDeadline_tableOfCases() {
    long s = 1_000_000_000L;
    // idle keep-alive connection past the idle timeout: close quietly
    assertThat(ClientDeadline.decide(true, 0, 0, false, false, 0, 61 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.CLOSE);
    // idle but within the timeout
    assertThat(ClientDeadline.decide(true, 0, 0, false, false, 0, 59 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.NONE);
    // slowloris: started a head 11 s ago, still trickling bytes
    assertThat(ClientDeadline.decide(true, 1 * s, 0, false, false, 12 * s, 12 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.REQUEST_TIMEOUT);
    // stalled upload before any response
    assertThat(ClientDeadline.decide(false, 0, 0, true, false, 0, 61 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.REQUEST_TIMEOUT);
    // stalled upload while the response streams: close
    assertThat(ClientDeadline.decide(false, 0, 0, true, true, 0, 61 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.CLOSE);
    // waiting for the backend is not the client's fault
    assertThat(ClientDeadline.decide(false, 0, 0, false, false, 0, 600 * s, 10 * s, 60 * s))
        .isEqualTo(ClientDeadline.Action.NONE);
  }

  @Test
  void prometheus_rendersCountersWithEscapedLabels() {
    var traffic =
        new Traffic(
            3,
            new StatusCounts(0, 2, 0, 0, 1),
            1,
            new Latency(
                3,
                Duration.ofMillis(30),
                Duration.ofMillis(10),
                Duration.ofMillis(10),
                Duration.ofMillis(10),
                LatencySnapshot.EMPTY));
    var m =
        new RouterMetrics(
            7,
            2,
            List.of(
                new ServiceMetrics(
                    "web\"x",
                    traffic,
                    List.of(new BackendMetrics("web-1", "3", traffic, 4, true, false)))));
    String text = PrometheusText.render(m);
    assertThat(text)
        .contains("kiln_router_table_version 7\n")
        .contains("kiln_router_unrouted_total 2\n")
        .contains("kiln_router_service_requests_total{service=\"web\\\"x\",code=\"2xx\"} 2\n")
        .contains(
            "kiln_router_backend_requests_total{service=\"web\\\"x\",backend=\"web-1\",revision=\"3\",code=\"5xx\"} 1\n")
        .contains(
            "kiln_router_backend_request_duration_seconds{service=\"web\\\"x\",backend=\"web-1\",revision=\"3\",quantile=\"0.99\"} 0.01\n")
        .contains(
            "kiln_router_backend_connect_failures_total{service=\"web\\\"x\",backend=\"web-1\",revision=\"3\"} 4\n")
        .contains(
            "kiln_router_backend_ejected{service=\"web\\\"x\",backend=\"web-1\",revision=\"3\"} 1\n")
        .contains("# TYPE kiln_router_service_request_duration_seconds summary\n");
    for (String line : text.split("\n")) {
      assertThat(line).matches("^(# (HELP|TYPE) .*|[a-z_]+(\\{.*\\})? [0-9.eE+-]+)$");
    }
  }

  @Test
  void prometheus_histogramBucketsAreCumulativeAndExact() {
    // 3 requests: 50 µs, 100 µs (bucket bounds 64 and 128) and 3 ms
    var h =
        LatencySnapshot.ofBuckets(
            java.util.Map.of(
                LatencyHistogram.upperBound(LatencyHistogram.index(50)), 1L,
                LatencyHistogram.upperBound(LatencyHistogram.index(100)), 1L,
                LatencyHistogram.upperBound(LatencyHistogram.index(3000)), 1L));
    var traffic =
        new Traffic(
            3,
            new StatusCounts(0, 3, 0, 0, 0),
            0,
            new Latency(
                3, Duration.ofMillis(3), h.quantile(0.5), h.quantile(0.9), h.quantile(0.99), h));
    String text =
        PrometheusText.render(
            new RouterMetrics(1, 0, List.of(new ServiceMetrics("web", traffic, List.of()))));
    assertThat(text)
        .contains("# TYPE kiln_router_service_request_latency_seconds histogram\n")
        .contains(
            "kiln_router_service_request_latency_seconds_bucket{service=\"web\",le=\"6.4E-5\"} 1\n")
        .contains(
            "kiln_router_service_request_latency_seconds_bucket{service=\"web\",le=\"1.28E-4\"} 2\n")
        .contains(
            "kiln_router_service_request_latency_seconds_bucket{service=\"web\",le=\"0.002048\"} 2\n")
        .contains(
            "kiln_router_service_request_latency_seconds_bucket{service=\"web\",le=\"0.004096\"} 3\n")
        .contains(
            "kiln_router_service_request_latency_seconds_bucket{service=\"web\",le=\"+Inf\"} 3\n")
        .contains("kiln_router_service_request_latency_seconds_count{service=\"web\"} 3\n");
  }

  @Test
  void routeTable_withReplacesAServiceAtTheNextVersion() {
    var a = ServiceRoute.of("a", new Route("*", "/"), List.of(Backend.local("a-1", "1", 9000)));
    var t =
        new RouteTable(4, List.of(a))
            .with(a.withBackends(List.of(Backend.local("a-2", "2", 9001))));
    assertThat(t.version()).isEqualTo(5);
    assertThat(t.service("a").orElseThrow().backends())
        .extracting(Backend::id)
        .containsExactly("a-2");
  }
}
