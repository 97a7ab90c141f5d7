package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.kiln.runtime.ImageContent.RunConfig;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses an instance whose program is missing from its image. The engine used to do it at start,
 * but with docker-init as pid 1 ({@code HostConfig.Init}) the container starts and only the init
 * fails to exec the program (exit 127), so the driver looks for it first, in the created (not yet
 * started) container's filesystem, where it would be found: the argv's first word, searched in the
 * container's {@code PATH} when it has no slash.
 */
final class ProgramCheck {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ProgramCheck() {}

  static void require(DockerClient docker, String containerId, InstanceSpec spec, RunConfig image) {
    String program = image.argv(spec.command()).getFirst();
    String path =
        spec.envWithPort().getOrDefault("PATH", image.env().getOrDefault("PATH", DEFAULT_PATH));
    String workdir = image.workingDir().filter(w -> w.startsWith("/")).orElse("/");
    for (String candidate : candidates(program, path, workdir)) {
      if (exists(docker, containerId, candidate)) return;
    }
    throw new RuntimeDriverException(
        "command '"
            + program
            + "' does not exist in image "
            + spec.image()
            + (program.contains("/") ? "" : " (searched PATH=" + path + ")")
            + "; fix the service's command or the image's entrypoint");
  }

  /** Where the program may be, in search order (pure). */
  static List<String> candidates(String program, String path, String workdir) {
    if (program.contains("/")) {
      return List.of(program.startsWith("/") ? program : workdir + "/" + program);
    }
    List<String> candidates = new ArrayList<>();
    for (String dir : path.split(":")) {
      if (dir.startsWith("/")) candidates.add(dir + "/" + program);
    }
    return candidates;
  }

  private static boolean exists(DockerClient docker, String containerId, String file) {
    try (InputStream archive = docker.copyArchiveFromContainerCmd(containerId, file).exec()) {
      return true; // the engine answers with a tar of it; its content is not needed
    } catch (NotFoundException e) {
      return false;
    } catch (IOException e) {
      return true; // found, only closing failed
    }
  }
}
