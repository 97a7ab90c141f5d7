package dev.kiln.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the real tools (skopeo, docker) in integration tests, and builds the image they run. */
final class Tools {
  private Tools() {}

  record Result(int exit, String output) {}

  static Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(5, TimeUnit.MINUTES)) throw new AssertionError("timed out: " + command);
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  static Result ok(List<String> command) throws IOException, InterruptedException {
    Result r = run(command);
    if (r.exit() != 0)
      throw new AssertionError(
          String.join(" ", command) + " exited " + r.exit() + ":\n" + r.output());
    return r;
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  static boolean dockerAnswers() {
    if (!onPath("docker")) return false;
    try {
      return run(List.of("docker", "info")).exit() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /**
   * busybox-static's binary, entrypoint {@code busybox echo hello from kiln}; signed and with an
   * SBOM.
   */
  static Descriptor helloImage(ImageStore store, HostKey key) {
    Path busybox = Path.of("/bin/busybox");
    if (!Files.isRegularFile(busybox))
      throw new AssertionError("/bin/busybox is missing: apt-get install busybox-static");
    Descriptor layer =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(store, List.of(new LayerEntry.File("/bin/busybox", busybox, 0755, 0, 0)));
    ImageConfig config =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.parse("2026-01-01T00:00:00Z"),
            List.of("PATH=/bin"),
            List.of("/bin/busybox", "echo", "hello from kiln"),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Map.of(),
            List.of(layer.digest()),
            List.of("COPY busybox"));
    Descriptor c = store.put(MediaTypes.CONFIG, config.toBytes());
    Descriptor image = store.putManifest(new ImageManifest(c, List.of(layer)));
    ImageSigner.sign(store, image, key);
    Sbom.attach(store, image);
    return image;
  }
}
