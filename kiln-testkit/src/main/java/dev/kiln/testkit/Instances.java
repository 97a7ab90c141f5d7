package dev.kiln.testkit;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A builder of {@link InstanceSpec}s with test defaults (a free loopback port, service {@code
 * web}).
 */
public final class Instances {
  private final InstanceId id;
  private final Digest image;
  private String service = "web";
  private int revision = 1;
  private List<String> command = List.of();
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Map<String, String> secrets = new LinkedHashMap<>();
  private final Map<String, String> volumes = new LinkedHashMap<>();
  private int port = freePort();
  private Resources limits = Resources.UNLIMITED;

  private Instances(String id, Digest image) {
    this.id = InstanceId.of(id);
    this.image = image;
  }

  public static Instances spec(String id, Digest image) {
    return new Instances(id, image);
  }

  public Instances service(String service) {
    this.service = service;
    return this;
  }

  public Instances revision(int revision) {
    this.revision = revision;
    return this;
  }

  /** Runs {@code /bin/sh -c script} instead of the image's entrypoint. */
  public Instances shell(String script) {
    this.command = List.of("/bin/sh", "-c", script);
    return this;
  }

  public Instances command(String... argv) {
    this.command = List.of(argv);
    return this;
  }

  public Instances env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public Instances secret(String name, String value) {
    secrets.put(name, value);
    return this;
  }

  public Instances volume(String name, String path) {
    volumes.put(name, path);
    return this;
  }

  public Instances port(int port) {
    this.port = port;
    return this;
  }

  public Instances limits(Resources limits) {
    this.limits = limits;
    return this;
  }

  public InstanceSpec build() {
    return new InstanceSpec(
        id,
        service,
        revision,
        image,
        command,
        env,
        secrets,
        port,
        volumes,
        limits,
        Map.of("test", "true"));
  }

  /** A loopback port nobody listens on right now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
