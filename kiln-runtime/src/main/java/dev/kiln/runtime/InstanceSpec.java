package dev.kiln.runtime;

import dev.kiln.model.Digest;
import dev.kiln.model.Ordered;
import dev.kiln.model.Resources;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything needed to start one instance, fixed at start: any change means a new instance.
 *
 * <p>Secrets are kept apart from {@code env} so that nothing that prints or stores a spec can leak
 * them: {@link #toString()} shows only their names, and drivers persist only the names.
 *
 * @param command the argv to run; empty means the image's entrypoint + cmd
 * @param port the loopback port the instance listens on, given to it as {@code PORT}
 * @param volumes volume name to absolute mount path; volumes belong to the service and survive
 *     replacement of its instances
 */
public record InstanceSpec(
    InstanceId id,
    String service,
    int revision,
    Digest image,
    List<String> command,
    Map<String, String> env,
    Map<String, String> secrets,
    int port,
    Map<String, String> volumes,
    Resources limits,
    Map<String, String> labels) {
  private static final Pattern SERVICE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern VOLUME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

  public InstanceSpec {
    if (id == null || image == null || limits == null) {
      throw new IllegalArgumentException("instance spec needs an id, an image digest and limits");
    }
    if (service == null || !SERVICE.matcher(service).matches()) {
      throw new IllegalArgumentException("instance " + id + ": bad service name: " + service);
    }
    if (revision < 1)
      throw new IllegalArgumentException("instance " + id + ": revision must be >= 1");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("instance " + id + ": port must be 1-65535, got " + port);
    }
    command = List.copyOf(command);
    env = Ordered.copyOf(env);
    secrets = Ordered.copyOf(secrets);
    volumes = Ordered.copyOf(volumes);
    labels = Ordered.copyOf(labels);
    for (String name : env.keySet()) checkEnvName(id, "env", name);
    for (String name : secrets.keySet()) {
      checkEnvName(id, "secret", name);
      if (env.containsKey(name)) {
        throw new IllegalArgumentException(
            "instance " + id + ": " + name + " is both an env variable and a secret; keep one");
      }
    }
    if (env.containsKey("PORT") || secrets.containsKey("PORT")) {
      throw new IllegalArgumentException(
          "instance " + id + ": PORT is set by Kiln; remove it from env");
    }
    volumes.forEach((name, path) -> checkVolume(id, name, path));
  }

  private static void checkEnvName(InstanceId id, String kind, String name) {
    if (!ENV_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("instance " + id + ": bad " + kind + " name: " + name);
    }
  }

  private static void checkVolume(InstanceId id, String name, String path) {
    if (!VOLUME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "instance " + id + ": bad volume name '" + name + "' (use [a-z0-9_.-])");
    }
    if (!MountPaths.isSafe(path)) {
      throw new IllegalArgumentException(
          "instance "
              + id
              + ": volume "
              + name
              + " mount path '"
              + path
              + "' must be an absolute, normalized path without '..' that is not /, /proc, /dev or"
              + " under them");
    }
  }

  /** The environment the instance sees, secrets excluded: image env is merged by the driver. */
  public Map<String, String> envWithPort() {
    var all = new java.util.LinkedHashMap<>(env);
    all.put("PORT", Integer.toString(port));
    return all;
  }

  @Override
  public String toString() {
    return "InstanceSpec[id="
        + id
        + ", service="
        + service
        + ", revision="
        + revision
        + ", image="
        + image
        + ", command="
        + command
        + ", env="
        + env
        + ", secrets="
        + secrets.keySet()
        + " (values redacted), port="
        + port
        + ", volumes="
        + volumes
        + ", limits="
        + limits
        + ", labels="
        + labels
        + "]";
  }
}
