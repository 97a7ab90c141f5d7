package dev.kiln.runtime;

import dev.kiln.model.Digest;
import dev.kiln.model.Ordered;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image as a runtime needs it: ordered layers, the raw config blob and what it says about how to
 * run the image.
 *
 * @param layers bottom layer first
 * @param config the raw OCI config blob (needed verbatim by engines that load images)
 * @param signatureVerified whether the store verified a signature over the manifest (an image whose
 *     signature is bad never gets this far: {@link ImageSource#open} throws)
 */
public record ImageContent(
    Digest manifestDigest,
    List<Blob> layers,
    Blob config,
    RunConfig runConfig,
    boolean signatureVerified) {
  public ImageContent {
    layers = List.copyOf(layers);
  }

  /** A blob the source can open as many times as needed. */
  public record Blob(Digest digest, String mediaType, long size, Opener opener) {
    public boolean gzipped() {
      return mediaType.endsWith("gzip");
    }

    public InputStream open() throws IOException {
      return opener.open();
    }
  }

  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  /** The parts of the OCI image config that decide how an instance runs. */
  public record RunConfig(
      List<String> entrypoint,
      List<String> cmd,
      Map<String, String> env,
      Optional<String> workingDir,
      Optional<String> user) {
    public RunConfig {
      entrypoint = List.copyOf(entrypoint);
      cmd = List.copyOf(cmd);
      env = Ordered.copyOf(env);
    }

    /** The argv an instance runs: the spec's command if given, else entrypoint + cmd. */
    public List<String> argv(List<String> command) {
      if (!command.isEmpty()) return command;
      return java.util.stream.Stream.concat(entrypoint.stream(), cmd.stream()).toList();
    }
  }
}
