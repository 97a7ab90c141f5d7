package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A service as {@code kiln status} shows it: live revision and image (null before the first rollout
 * succeeds), health, strategy, route, traffic (percent by revision number), its rollout, instances,
 * and the autoscaler's view when it has {@code autoscale:}.
 */
public record ServiceView(
    String name,
    @Nullable String image,
    @Nullable Integer liveRevision,
    int replicas,
    long healthy,
    String strategy,
    Route route,
    Map<String, Integer> traffic,
    @Nullable RolloutView rollout,
    List<InstanceView> instances,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable AutoscaleView autoscale) {
  public ServiceView {
    traffic = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(traffic));
    instances = List.copyOf(instances);
  }

  /**
   * Where the router sends the service's requests; {@code tls} is the certificate in use (the same
   * object as an entry of {@code certificates} in {@code GET /v1/services}).
   */
  public record Route(
      String host,
      String path,
      @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable CertificateView tls) {}
}
