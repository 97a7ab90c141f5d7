package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Brings a base image from outside into the store: from an OCI layout (what {@code skopeo copy ...
 * oci:DIR:TAG} writes) or from a {@code docker save} / {@code docker-archive:} tarball. Every blob
 * is re-hashed on the way in, so a corrupt or tampered source never reaches the store. Nothing is
 * tagged: the caller decides the name.
 */
public final class BaseImporter {
  private BaseImporter() {}

  /**
   * Imports the image tagged {@code tag} in the layout at {@code layoutDir}, or its only image when
   * no tag is given. A multi-platform index resolves to linux on this machine's architecture.
   */
  public static Descriptor importOciLayout(ImageStore store, Path layoutDir, Optional<String> tag) {
    Path indexFile = layoutDir.resolve("index.json");
    if (!Files.isDirectory(layoutDir)) {
      throw new ImageException(
          "base image layout "
              + layoutDir
              + " does not exist (expected a folder written by `skopeo copy ... oci:DIR:TAG`)");
    }
    byte[] indexBytes;
    try {
      indexBytes = Files.readAllBytes(indexFile);
    } catch (NoSuchFileException e) {
      throw new ImageException(layoutDir + " is not an OCI image layout: it has no index.json");
    } catch (IOException e) {
      throw new ImageException("cannot read " + indexFile + ": " + e.getMessage(), e);
    }
    List<Descriptor> entries = new ArrayList<>();
    for (JsonNode m : Json.parse(indexBytes, indexFile.toString()).path("manifests")) {
      Descriptor d = Descriptor.fromJson(m, indexFile.toString());
      if (d.artifactType().isEmpty()) entries.add(d); // signatures and SBOMs are not images
    }
    Descriptor chosen = choose(entries, tag, layoutDir);
    Source source =
        digest -> layoutDir.resolve("blobs").resolve(Digest.ALGORITHM).resolve(digest.hex());
    return importManifest(store, source, chosen, layoutDir.toString());
  }

  /** Imports the only image of a {@code docker save} archive. */
  public static Descriptor importDockerArchive(ImageStore store, Path tarFile) {
    return importDockerArchive(store, tarFile, Optional.empty());
  }

  /**
   * Imports the image of a docker archive whose RepoTags include {@code repoTag} (or the only one).
   */
  public static Descriptor importDockerArchive(
      ImageStore store, Path tarFile, Optional<String> repoTag) {
    return DockerArchive.importInto(store, tarFile, repoTag);
  }

  private static Descriptor choose(List<Descriptor> entries, Optional<String> tag, Path where) {
    List<String> tags = entries.stream().flatMap(d -> d.refName().stream()).sorted().toList();
    if (tag.isPresent()) {
      return entries.stream()
          .filter(d -> d.refName().equals(tag))
          .findFirst()
          .orElseThrow(
              () ->
                  new ImageException(
                      "no image tagged '"
                          + tag.get()
                          + "' in "
                          + where
                          + "; available: "
                          + (tags.isEmpty() ? "(none)" : String.join(", ", tags))));
    }
    if (entries.isEmpty())
      throw new ImageException("no image in " + where + " (its index.json lists none)");
    if (entries.size() > 1) {
      throw new ImageException(
          where
              + " holds "
              + entries.size()
              + " images; name one of: "
              + (tags.isEmpty() ? "(none are tagged)" : String.join(", ", tags)));
    }
    return entries.get(0);
  }

  /** Where a source keeps the blob of a digest. */
  @FunctionalInterface
  interface Source {
    Path blob(Digest digest);
  }

  static Descriptor importManifest(
      ImageStore store, Source source, Descriptor entry, String where) {
    Descriptor d = entry;
    if (isIndex(d.mediaType())) d = platformManifest(readVerified(source, d, where), d, where);
    byte[] manifestBytes = readVerified(source, d, where);
    ImageManifest m = ImageManifest.parse(manifestBytes, "manifest " + d.digest() + " in " + where);
    copyBlob(store, source, m.config(), where);
    for (Descriptor layer : m.layers()) {
      if (!MediaTypes.isLayer(layer.mediaType())) {
        throw new ImageException(
            "manifest "
                + d.digest()
                + " in "
                + where
                + " has a layer of unsupported type "
                + layer.mediaType());
      }
      copyBlob(store, source, layer, where);
    }
    boolean oci =
        Json.parse(manifestBytes, where)
            .path("mediaType")
            .asText(MediaTypes.MANIFEST)
            .equals(MediaTypes.MANIFEST);
    if (oci) {
      // Kept byte for byte, so the base keeps the digest its publisher gave it.
      return store.put(MediaTypes.MANIFEST, manifestBytes);
    }
    return store.putManifest(toOci(m));
  }

  /** A Docker schema 2 manifest as the equivalent OCI manifest (same blobs, OCI media types). */
  static ImageManifest toOci(ImageManifest docker) {
    Descriptor config =
        new Descriptor(MediaTypes.CONFIG, docker.config().digest(), docker.config().size());
    List<Descriptor> layers = new ArrayList<>();
    for (Descriptor l : docker.layers()) {
      String type =
          MediaTypes.isGzip(l.mediaType()) ? MediaTypes.LAYER_TAR_GZIP : MediaTypes.LAYER_TAR;
      layers.add(new Descriptor(type, l.digest(), l.size()));
    }
    return new ImageManifest(
        config, layers, docker.annotations(), Optional.empty(), Optional.empty());
  }

  private static boolean isIndex(String mediaType) {
    return mediaType.equals(MediaTypes.INDEX)
        || mediaType.equals("application/vnd.docker.distribution.manifest.list.v2+json");
  }

  private static Descriptor platformManifest(
      byte[] index, Descriptor indexDescriptor, String where) {
    String arch = hostArchitecture();
    List<String> seen = new ArrayList<>();
    for (JsonNode m : Json.parse(index, where).path("manifests")) {
      JsonNode p = m.path("platform");
      seen.add(p.path("os").asText("?") + "/" + p.path("architecture").asText("?"));
      if (p.path("os").asText().equals("linux") && p.path("architecture").asText().equals(arch)) {
        return Descriptor.fromJson(m, where);
      }
    }
    throw new ImageException(
        "image index "
            + indexDescriptor.digest()
            + " in "
            + where
            + " has no linux/"
            + arch
            + " image; it has: "
            + String.join(", ", seen));
  }

  static String hostArchitecture() {
    String a = System.getProperty("os.arch");
    return switch (a) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> a;
    };
  }

  private static byte[] readVerified(Source source, Descriptor d, String where) {
    Path file = source.blob(d.digest());
    try (InputStream in = new VerifyingInputStream(Files.newInputStream(file), d.digest(), file)) {
      return in.readAllBytes();
    } catch (NoSuchFileException e) {
      throw new ImageException("blob " + d.digest() + " is missing from " + where);
    } catch (IOException e) {
      throw new ImageException(
          "cannot read blob " + d.digest() + " from " + where + ": " + e.getMessage(), e);
    }
  }

  private static void copyBlob(ImageStore store, Source source, Descriptor d, String where) {
    if (store.has(d.digest())) return;
    Path file = source.blob(d.digest());
    try (InputStream in = new VerifyingInputStream(Files.newInputStream(file), d.digest(), file);
        BlobSink sink = store.newBlob()) {
      in.transferTo(sink); // the verifying stream throws at the end, before the commit
      sink.commit(d.mediaType());
    } catch (NoSuchFileException e) {
      throw new ImageException("blob " + d.digest() + " is missing from " + where);
    } catch (IOException e) {
      throw new ImageException(
          "cannot copy blob " + d.digest() + " from " + where + ": " + e.getMessage(), e);
    }
  }
}
