package dev.kiln.image;

import dev.kiln.model.Step;
import dev.kiln.oci.Profile;
import dev.kiln.oci.Sandbox;
import dev.kiln.oci.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs a {@code run} step in a bubblewrap sandbox over the build root (read-write) and returns what
 * it changed as layer entries. The root is left in its new state, so the next step starts from it.
 *
 * <p>What is not part of the image: the contents of /tmp (a tmpfs inside), /proc, /dev, /sys and
 * /run; and the mount points bwrap creates when the root lacks them.
 */
final class RunStep {
  private static final Set<String> VOLATILE = Set.of("/tmp", "/proc", "/dev", "/sys", "/run");

  /** What bwrap may create in the root to mount over; in deletion order (files before folders). */
  private static final List<String> MOUNT_POINTS =
      List.of("/etc/resolv.conf", "/etc", "/tmp", "/proc", "/dev");

  static final int TAIL_LINES = 30;

  /** Volatile folders that are part of the root inside the sandbox (no mount over them). */
  private static final List<String> SCRATCH = List.of("run", "sys");

  private RunStep() {}

  /**
   * Creates {@code workdir} inside {@code root} one folder at a time, never through a symlink
   * (which could point out of the root); if a component is a symlink or a file, bwrap's chdir
   * reports it.
   */
  static void makeWorkdir(Path root, String workdir) {
    Path dir = root;
    for (Path part : Path.of("/").relativize(Path.of(workdir).normalize())) {
      if (part.toString().isEmpty() || part.toString().equals("..")) return;
      dir = dir.resolve(part);
      if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
      if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
      try {
        Files.createDirectory(dir);
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Whether {@code p} is below a volatile folder (the folder itself is kept). */
  static boolean isVolatile(String p) {
    for (String v : VOLATILE) {
      if (p.startsWith(v + "/")) return true;
    }
    return false;
  }

  /**
   * Runs the step; throws a {@link BakerException} with the exit code and the output's tail when it
   * fails.
   *
   * @param where for messages: "kiln.yaml:7:9: image hello: run step"
   */
  /**
   * What a run step changed, as layer entries, and the bake output's note on what the layer does
   * not carry ({@link SpecialFiles}; empty when nothing).
   */
  record Changes(List<LayerEntry> entries, String note) {
    Changes {
      entries = List.copyOf(entries);
    }
  }

  static Changes run(
      Path root, Step.Run step, Map<String, String> env, String workdir, String where) {
    if (!Sandbox.hasShell(root)) {
      throw new BakerException(
          where
              + ": the image has no /bin/sh, which run steps need; start from a base with a shell"
              + " (debian:bookworm) or copy one in first (e.g. busybox-static's /bin/busybox and a"
              + " /bin/sh symlink to it)");
    }
    List<String> created = new ArrayList<>();
    for (String m : MOUNT_POINTS) {
      if (!Files.exists(root.resolve(m.substring(1)), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        created.add(m);
      }
    }
    RunStepSnapshot before = RunStepSnapshot.take(root, RunStep::isVolatile);
    Set<Path> scratchBefore = scratch(root);
    // Like Docker's WORKDIR: a missing working folder is made (and so becomes part of the layer).
    makeWorkdir(root, workdir);
    SandboxRun sandbox =
        SandboxRun.of(Profile.runStep(step.network()), root, env, workdir, "kiln-bake");
    SandboxRun.Finished done = sandbox.run(List.of("/bin/sh", "-c", step.command()));
    // bwrap made these mount points in the root; they are the sandbox's, not the image's.
    for (String m : created) {
      try {
        Files.deleteIfExists(root.resolve(m.substring(1)));
      } catch (IOException ignored) {
        // The step put files there (DirectoryNotEmpty): then it is the image's folder after all.
      }
    }
    if (done.exitCode() != 0) {
      throw new BakerException(
          where
              + ": `"
              + step.command()
              + "` failed with exit code "
              + done.exitCode()
              + (step.network()
                  ? ""
                  : " (no network: add `network: true` to the step if it needs it)")
              + "; last lines of its output:\n"
              + done.tail(TAIL_LINES),
          done.exitCode());
    }
    RunStepSnapshot after = RunStepSnapshot.take(root, RunStep::isVolatile);
    List<LayerEntry> entries = before.diff(after);
    List<String> stripped = SpecialFiles.setId(entries);
    // The build root becomes what the layer says, so image tests on it see the signed image.
    conform(root, after, stripped);
    dropScratch(root, scratchBefore);
    return new Changes(entries, SpecialFiles.note(stripped, after.special()));
  }

  /**
   * What is below the root's /run and /sys: folders the sandbox does not mount over, so a step's
   * writes there land in the root, though the layer leaves them out (they are volatile).
   */
  private static Set<Path> scratch(Path root) {
    Set<Path> out = new HashSet<>();
    for (String d : SCRATCH) {
      Path dir = root.resolve(d);
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.forEach(out::add);
      } catch (IOException e) {
        throw new ImageException("cannot read the build root " + root + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Deletes what the step left below /run and /sys: the build root stays the image's root. */
  private static void dropScratch(Path root, Set<Path> before) {
    Set<Path> now = scratch(root);
    now.removeAll(before);
    for (Path p : now) {
      if (!now.contains(p.getParent())) {
        try {
          Trees.delete(p); // the topmost new path; what is below it goes with it
        } catch (IOException e) {
          throw new ImageException(
              "cannot clean the build root " + root + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static void conform(Path root, RunStepSnapshot after, List<String> stripped) {
    try {
      for (String p : stripped) {
        Path file = root.resolve(p.substring(1));
        int mode = Objects.requireNonNull(after.nodes().get(p), p).mode(); // stripped from after
        Files.setAttribute(
            file,
            "unix:mode",
            SpecialFiles.fileMode(mode),
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
      for (String p : after.special()) Files.deleteIfExists(root.resolve(p.substring(1)));
    } catch (IOException e) {
      throw new ImageException("cannot update the build root " + root + ": " + e.getMessage(), e);
    }
  }
}
