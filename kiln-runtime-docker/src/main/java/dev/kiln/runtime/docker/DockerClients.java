package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Connecting to the engine, and the streaming calls (logs, exec) that need callbacks. */
final class DockerClients {
  private DockerClients() {}

  /**
   * Honours {@code DOCKER_HOST} (default {@code unix:///var/run/docker.sock}) unless overridden.
   */
  static DockerClient connect(Optional<String> host) {
    DefaultDockerClientConfig.Builder builder =
        DefaultDockerClientConfig.createDefaultConfigBuilder();
    host.ifPresent(builder::withDockerHost);
    DockerClientConfig config = builder.build();
    var http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(5))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /** True if an engine answers at the configured address. */
  static boolean available(Optional<String> host) {
    try (DockerClient docker = connect(host)) {
      docker.pingCmd().exec();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  static String logs(DockerClient docker, String container, int maxBytes) {
    Collector collector = new Collector();
    try {
      docker
          .logContainerCmd(container)
          .withStdOut(true)
          .withStdErr(true)
          .withTail(10_000)
          .exec(collector)
          .awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while reading the logs of " + container);
    }
    String all = collector.text();
    return all.length() > maxBytes ? all.substring(all.length() - maxBytes) : all;
  }

  static ExecResult exec(
      DockerClient docker, String container, List<String> command, Duration timeout) {
    return exec(docker, container, command, timeout, id -> {});
  }

  /** As above; {@code created} learns the exec's id before it starts (drift knows it as ours). */
  static ExecResult exec(
      DockerClient docker,
      String container,
      List<String> command,
      Duration timeout,
      java.util.function.Consumer<String> created) {
    String execId =
        docker
            .execCreateCmd(container)
            .withCmd(command.toArray(String[]::new))
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    created.accept(execId);
    Collector collector = new Collector();
    try {
      boolean done =
          docker
              .execStartCmd(execId)
              .exec(collector)
              .awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        collector.close();
        return new ExecResult(124, "timed out after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ExecResult(130, "interrupted");
    } catch (java.io.IOException e) {
      return new ExecResult(125, java.util.Objects.toString(e.getMessage(), e.toString()));
    }
    Long code = docker.inspectExecCmd(execId).exec().getExitCodeLong();
    return new ExecResult(code == null ? 125 : code.intValue(), collector.text());
  }

  private static final class Collector extends ResultCallback.Adapter<Frame> {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void onNext(Frame frame) {
      synchronized (bytes) {
        bytes.writeBytes(frame.getPayload());
      }
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
      }
    }
  }
}
