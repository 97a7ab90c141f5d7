package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environments' routers' metrics in one exposition text, each family once. */
class PrometheusMergeTest {
  private static final String MAIN =
      """
      # HELP kiln_router_requests_total Requests routed.
      # TYPE kiln_router_requests_total counter
      kiln_router_requests_total{service="web",code="200"} 3
      # HELP kiln_router_unrouted_total Requests no route matched.
      # TYPE kiln_router_unrouted_total counter
      kiln_router_unrouted_total 1
      """;
  private static final String STAGING =
      """
      # HELP kiln_router_requests_total Requests routed.
      # TYPE kiln_router_requests_total counter
      kiln_router_requests_total{service="staging--web",code="200"} 7
      # HELP kiln_router_unrouted_total Requests no route matched.
      # TYPE kiln_router_unrouted_total counter
      kiln_router_unrouted_total 0
      # HELP kiln_router_latency_seconds Latency.
      # TYPE kiln_router_latency_seconds histogram
      kiln_router_latency_seconds_bucket{le="+Inf"} 7
      kiln_router_latency_seconds_sum 0.5
      """;

  @Test
  void eachFamilyOnce_theMainRoutersSamplesAsTheyWere_theEnvironmentsLabelled() {
    Map<String, String> envs = new LinkedHashMap<>();
    envs.put("staging", STAGING);
    envs.put(
        "production", "# TYPE kiln_router_unrouted_total counter\nkiln_router_unrouted_total 2\n");

    String merged = PrometheusMerge.merge(MAIN, envs);

    assertThat(merged)
        .isEqualTo(
            """
            # HELP kiln_router_requests_total Requests routed.
            # TYPE kiln_router_requests_total counter
            kiln_router_requests_total{service="web",code="200"} 3
            kiln_router_requests_total{env="staging",service="staging--web",code="200"} 7
            # HELP kiln_router_unrouted_total Requests no route matched.
            # TYPE kiln_router_unrouted_total counter
            kiln_router_unrouted_total 1
            kiln_router_unrouted_total{env="staging"} 0
            kiln_router_unrouted_total{env="production"} 2
            # HELP kiln_router_latency_seconds Latency.
            # TYPE kiln_router_latency_seconds histogram
            kiln_router_latency_seconds_bucket{env="staging",le="+Inf"} 7
            kiln_router_latency_seconds_sum{env="staging"} 0.5
            """);
  }

  @Test
  void labelled_handlesEmptyAndAbsentLabelSets() {
    assertThat(PrometheusMerge.labelled("m{} 1", "e")).isEqualTo("m{env=\"e\"} 1");
    assertThat(PrometheusMerge.labelled("m 1 1700000000", "e"))
        .isEqualTo("m{env=\"e\"} 1 1700000000");
    assertThat(PrometheusMerge.labelled("m{path=\"/a b{\"} 1", "e"))
        .isEqualTo("m{env=\"e\",path=\"/a b{\"} 1");
  }
}
