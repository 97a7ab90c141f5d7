package dev.kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host tools Kiln drives, and the Debian packages that provide them. Missing ones are installed
 * with apt-get when Kiln runs as root on a Debian-like host; otherwise the user is told what to
 * install. Only {@code kiln demo} installs; other commands fail with the same advice.
 */
final class Prerequisites {
  /** tool on the PATH -> Debian package. */
  static final Map<String, String> DEMO =
      new LinkedHashMap<>(
          Map.of(
              "bwrap", "bubblewrap",
              "debootstrap", "debootstrap",
              "skopeo", "skopeo"));

  private Prerequisites() {}

  static List<String> missingPackages(Map<String, String> tools) {
    List<String> missing = new ArrayList<>();
    tools.forEach(
        (tool, pkg) -> {
          if (which(tool).isEmpty() && !missing.contains(pkg)) missing.add(pkg);
        });
    return missing;
  }

  static java.util.Optional<Path> which(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    List<String> dirs = new ArrayList<>(List.of(path.split(":")));
    dirs.addAll(List.of("/usr/sbin", "/sbin")); // debootstrap lives in sbin
    for (String dir : dirs) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(p)) return java.util.Optional.of(p);
    }
    return java.util.Optional.empty();
  }

  /** Installs what is missing when possible; returns false (having said why) otherwise. */
  static boolean ensure(Map<String, String> tools, PrintWriter out, PrintWriter err) {
    List<String> missing = missingPackages(tools);
    if (missing.isEmpty()) return true;
    String packages = String.join(" ", missing);
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root || which("apt-get").isEmpty()) {
      err.println(
          "kiln needs: "
              + packages
              + ". Install them (e.g. sudo apt-get install -y "
              + packages
              + ") and run again.");
      return false;
    }
    out.println("installing " + packages + " with apt-get ...");
    out.flush();
    try {
      int update = run(List.of("apt-get", "update", "-qq"));
      List<String> install =
          new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
      install.addAll(missing);
      int code = update == 0 ? run(install) : update;
      if (code != 0) {
        err.println(
            "apt-get failed (exit " + code + "); install " + packages + " by hand and run again.");
        return false;
      }
    } catch (IOException e) {
      err.println("cannot run apt-get: " + e.getMessage() + "; install " + packages + " by hand.");
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return missingPackages(tools).isEmpty();
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    return pb.start().waitFor();
  }
}
