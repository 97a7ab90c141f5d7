package dev.kiln.runtime.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host programs (bwrap, setsid) on the PATH of the Kiln process. */
final class HostTools {
  private HostTools() {}

  static Optional<Path> find(String name) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String dir : (path + ":/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        return Optional.of(candidate);
    }
    return Optional.empty();
  }

  static Path require(String name, String debianPackage) {
    return find(name)
        .orElseThrow(
            () ->
                new dev.kiln.runtime.RuntimeDriverException(
                    "the process runtime needs '"
                        + name
                        + "' on the PATH (apt-get install "
                        + debianPackage
                        + ")"));
  }
}
