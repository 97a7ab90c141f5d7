package dev.kiln.runtime;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link InstanceSpec} as drivers persist it to adopt an instance later (a file, a container
 * label): plain values only, and secrets by name only — their values are never written anywhere.
 * One place decides what is stored, so every driver keeps the same promise.
 */
public record StoredSpec(
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
    Map<String, String> labels) {

  public static StoredSpec of(InstanceSpec spec) {
    return new StoredSpec(
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
        spec.labels());
  }

  /** The spec as adopted: each secret is present by name with an empty value. */
  public InstanceSpec spec() {
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
}
