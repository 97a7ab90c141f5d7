package dev.kiln.runtime.process;

import dev.kiln.runtime.ImageContent.RunConfig;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What to exec for an instance, decided before anything starts: the argv (checked to exist in the
 * image) and the environment (image env, then the spec's env, {@code PORT}, then secrets). Pure
 * apart from looking at the unpacked rootfs.
 */
record Launch(List<String> argv, Map<String, String> env, String workdir) {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  static Launch plan(InstanceSpec spec, RunConfig config, Path root) {
    List<String> argv = config.argv(spec.command());
    if (argv.isEmpty()) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": no command given and image "
              + spec.image()
              + " has no entrypoint or cmd; set one in the image or the service");
    }
    Map<String, String> env = new LinkedHashMap<>(config.env());
    env.putAll(spec.envWithPort());
    env.putAll(spec.secrets());
    env.putIfAbsent("PATH", DEFAULT_PATH);
    String workdir = config.workingDir().filter(w -> w.startsWith("/")).orElse("/");
    String program = argv.getFirst();
    if (resolve(program, env.getOrDefault("PATH", DEFAULT_PATH), workdir, root) == null) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": command '"
              + program
              + "' does not exist in image "
              + spec.image()
              + (program.contains("/") ? "" : " (searched PATH=" + env.get("PATH") + ")")
              + "; fix the service's command or the image's entrypoint");
    }
    return new Launch(argv, env, workdir);
  }

  /** The program's path inside the image, or null. */
  static @Nullable String resolve(String program, String path, String workdir, Path root) {
    if (program.contains("/")) {
      String inImage = program.startsWith("/") ? program : workdir + "/" + program;
      return RootPath.isExecutableFile(root, inImage) ? inImage : null;
    }
    for (String dir : path.split(":")) {
      if (!dir.startsWith("/")) continue;
      String candidate = dir + "/" + program;
      if (RootPath.isExecutableFile(root, candidate)) return candidate;
    }
    return null;
  }
}
