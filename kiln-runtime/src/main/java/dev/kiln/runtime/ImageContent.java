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
 * @param manifest the manifest blob exactly as the source stores it (its digest is {@code
 *     manifestDigest}): a driver that hands the image to another store (a registry) sends these
 *     bytes, so the digest there is the store's by construction, not by re-serializing alike; empty
 *     from a source that keeps no manifest
 */
public record ImageContent(
    Digest manifestDigest,
    List<Blob> layers,
    Blob config,
    RunConfig runConfig,
    boolean signatureVerified,
    Optional<Blob> manifest) {
  public ImageContent {
    layers = List.copyOf(layers);
    manifest.ifPresent(
        m -> {
          if (!m.digest().equals(manifestDigest)) {
            throw new IllegalArgumentException(
                "image "
                    + manifestDigest
                    + ": the manifest blob given is "
                    + m.digest()
                    + ", another image's");
          }
        });
  }

  /** An image without its manifest blob (sources that keep none). */
  public ImageContent(
      Digest manifestDigest,
      List<Blob> layers,
      Blob config,
      RunConfig runConfig,
      boolean signatureVerified) {
    this(manifestDigest, layers, config, runConfig, signatureVerified, Optional.empty());
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
