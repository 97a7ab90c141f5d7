package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/instances}: every instance the runtimes report. */
public record InstancesResponse(List<InstanceView> instances) {
  public InstancesResponse {
    instances = List.copyOf(instances);
  }
}
