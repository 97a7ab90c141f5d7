package dev.kiln.runtime.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.VerifiedBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an image as a {@code docker save} archive ({@code manifest.json}, the config, one
 * uncompressed {@code layer.tar} per layer), the format every Docker Engine loads: Engine 20.10
 * (Debian 12's) does not load OCI layouts. Every blob is re-hashed as it is read; a mismatch aborts
 * the write. The engine itself checks each layer.tar against the config's {@code rootfs.diff_ids}.
 */
final class DockerArchive {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerArchive() {}

  /** Writes the archive to {@code target}, using {@code work} for temporary layer files. */
  static void write(ImageContent image, String repoTag, Path target, Path work) throws IOException {
    byte[] config = VerifiedBlobs.readAll(image.config());
    String configName = image.config().digest().hex() + ".json";
    List<String> layerNames = new ArrayList<>();
    try (OutputStream file = Files.newOutputStream(target);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      put(tar, configName, config);
      int index = 0;
      for (ImageContent.Blob layer : image.layers()) {
        Path raw = work.resolve("layer-" + index);
        try (InputStream in = VerifiedBlobs.openRaw(layer);
            OutputStream out = Files.newOutputStream(raw)) {
          in.transferTo(out);
        }
        Path plain = work.resolve("layer-" + index + ".tar");
        try (InputStream in = Files.newInputStream(raw);
            InputStream tarIn = layer.gzipped() ? new GZIPInputStream(in, 64 * 1024) : in) {
          Files.copy(tarIn, plain);
        }
        Files.delete(raw);
        String name = "layer" + index + "/layer.tar";
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(Files.size(plain));
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        Files.copy(plain, tar);
        tar.closeArchiveEntry();
        Files.delete(plain);
        layerNames.add(name);
        index++;
      }
      ArrayNode manifest = JSON.createArrayNode();
      ObjectNode entry = manifest.addObject();
      entry.put("Config", configName);
      entry.putArray("RepoTags").add(repoTag);
      layerNames.forEach(entry.putArray("Layers")::add);
      put(tar, "manifest.json", JSON.writeValueAsBytes(manifest));
      tar.finish();
    }
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] bytes)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(bytes.length);
    entry.setModTime(0);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }
}
