package dev.kiln.runtime.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.model.Digest;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.Resources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instance spec as stored in a container label, so that a new driver object can rebuild it from
 * the engine alone (the engine is the record: nothing is kept on the Kiln side). Secret values are
 * left out; only their names are kept.
 */
record ContainerSpec(
    String id,
    String service,
    int revision,
    String image,
    List<String> command,
    Map<String, String> env,
    List<String> secretNames,
    int port,
    Map<String, String> volumes,
    long memoryBytes,
    int cpuMillis,
    int pids,
    Map<String, String> labels,
    String startedAt) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ContainerSpec of(InstanceSpec spec, String startedAt) {
    return new ContainerSpec(
        spec.id().value(),
        spec.service(),
        spec.revision(),
        spec.image().toString(),
        spec.command(),
        spec.env(),
        List.copyOf(spec.secrets().keySet()),
        spec.port(),
        spec.volumes(),
        spec.limits().memoryBytes(),
        spec.limits().cpuMillis(),
        spec.limits().pids(),
        spec.labels(),
        startedAt);
  }

  InstanceSpec spec() {
    Map<String, String> secrets = new LinkedHashMap<>();
    secretNames.forEach(name -> secrets.put(name, ""));
    return new InstanceSpec(
        InstanceId.of(id),
        service,
        revision,
        Digest.parse(image),
        command,
        env,
        secrets,
        port,
        volumes,
        new Resources(memoryBytes, cpuMillis, pids),
        labels);
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ContainerSpec fromJson(String json) {
    try {
      return JSON.readValue(json, ContainerSpec.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
