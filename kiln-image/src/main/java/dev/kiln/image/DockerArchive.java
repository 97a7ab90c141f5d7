package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a {@code docker save} / {@code skopeo copy ... docker-archive:} tarball: a {@code
 * manifest.json} naming, per image, a config file and layer files (which newer Dockers make
 * symlinks into {@code blobs/sha256/}). Two streaming passes: the first finds manifest.json and the
 * symlinks, the second copies only the files the chosen image needs into the store.
 */
final class DockerArchive {
  private DockerArchive() {}

  static Descriptor importInto(ImageStore store, Path tarFile, Optional<String> repoTag) {
    if (!Files.isRegularFile(tarFile)) {
      throw new ImageException(
          "docker archive "
              + tarFile
              + " does not exist (write one with `docker save -o FILE IMAGE`)");
    }
    Map<String, String> links = new HashMap<>();
    byte[] manifestJson = null;
    try (TarArchiveInputStream tar = open(tarFile)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = normalize(e.getName());
        if (e.isSymbolicLink()) links.put(name, resolveLink(name, e.getLinkName()));
        else if (e.isLink()) links.put(name, normalize(e.getLinkName()));
        else if (name.equals("manifest.json")) manifestJson = tar.readAllBytes();
      }
    } catch (IOException e) {
      throw new ImageException("cannot read docker archive " + tarFile + ": " + e.getMessage(), e);
    }
    if (manifestJson == null) {
      throw new ImageException(tarFile + " is not a docker archive: it has no manifest.json");
    }
    JsonNode image = choose(Json.parse(manifestJson, tarFile + "!manifest.json"), repoTag, tarFile);
    String configName = follow(image.path("Config").asText(), links);
    List<String> layerNames = new ArrayList<>();
    image.path("Layers").forEach(l -> layerNames.add(follow(l.asText(), links)));
    Set<String> needed = new LinkedHashSet<>(layerNames);
    needed.add(configName);

    Map<String, Descriptor> copied = copy(store, tarFile, needed);
    for (String n : needed) expectDigestInName(n, member(copied, n, tarFile), tarFile);
    Descriptor configBlob = member(copied, configName, tarFile);
    ImageConfig config =
        ImageConfig.parse(store.read(configBlob.digest()), tarFile + "!" + configName);
    if (config.diffIds().size() != layerNames.size()) {
      throw new ImageException(
          "docker archive "
              + tarFile
              + ": the config lists "
              + config.diffIds().size()
              + " diff_ids for "
              + layerNames.size()
              + " layers");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < layerNames.size(); i++) {
      Descriptor l = member(copied, layerNames.get(i), tarFile);
      if (l.mediaType().equals(MediaTypes.LAYER_TAR)
          && !l.digest().equals(config.diffIds().get(i))) {
        throw new ImageException(
            "docker archive "
                + tarFile
                + ": layer "
                + layerNames.get(i)
                + " is corrupt: it hashes to "
                + l.digest()
                + " but the image config says "
                + config.diffIds().get(i));
      }
      layers.add(l);
    }
    Descriptor configDescriptor =
        new Descriptor(MediaTypes.CONFIG, configBlob.digest(), configBlob.size());
    return store.putManifest(new ImageManifest(configDescriptor, layers));
  }

  private static TarArchiveInputStream open(Path tarFile) throws IOException {
    return new TarArchiveInputStream(
        new BufferedInputStream(Files.newInputStream(tarFile), 1 << 20));
  }

  private static Map<String, Descriptor> copy(ImageStore store, Path tarFile, Set<String> needed) {
    Map<String, Descriptor> out = new HashMap<>();
    try (TarArchiveInputStream tar = open(tarFile)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = normalize(e.getName());
        if (!e.isFile() || !needed.contains(name) || out.containsKey(name)) continue;
        BufferedInputStream in = new BufferedInputStream(tar, 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        try (BlobSink sink = store.newBlob()) {
          in.transferTo(sink);
          String type =
              name.endsWith(".json")
                  ? MediaTypes.CONFIG
                  : gzip ? MediaTypes.LAYER_TAR_GZIP : MediaTypes.LAYER_TAR;
          out.put(name, sink.commit(type));
        }
      }
    } catch (NoSuchFileException e) {
      throw new ImageException("docker archive " + tarFile + " does not exist");
    } catch (IOException e) {
      throw new ImageException("cannot read docker archive " + tarFile + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Files named by their digest ({@code blobs/sha256/<hex>}, {@code <hex>.json}) must hash to it.
   */
  private static void expectDigestInName(String name, Descriptor d, Path tarFile) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    if (base.endsWith(".json")) base = base.substring(0, base.length() - 5);
    boolean named =
        base.matches("[0-9a-f]{64}") && (name.startsWith("blobs/") || name.endsWith(".json"));
    if (named && !base.equals(d.digest().hex())) {
      throw new ImageException(
          "docker archive " + tarFile + ": " + name + " is corrupt: it hashes to " + d.digest());
    }
  }

  private static JsonNode choose(JsonNode manifest, Optional<String> repoTag, Path tarFile) {
    List<JsonNode> images = new ArrayList<>();
    manifest.forEach(images::add);
    List<String> tags = new ArrayList<>();
    images.forEach(i -> i.path("RepoTags").forEach(t -> tags.add(t.asText())));
    if (repoTag.isPresent()) {
      for (JsonNode i : images) {
        for (JsonNode t : i.path("RepoTags")) if (t.asText().equals(repoTag.get())) return i;
      }
      throw new ImageException(
          "no image tagged '"
              + repoTag.get()
              + "' in docker archive "
              + tarFile
              + "; available: "
              + (tags.isEmpty() ? "(none)" : String.join(", ", tags)));
    }
    if (images.isEmpty()) throw new ImageException("docker archive " + tarFile + " holds no image");
    if (images.size() > 1) {
      throw new ImageException(
          "docker archive "
              + tarFile
              + " holds "
              + images.size()
              + " images; name one of: "
              + String.join(", ", tags));
    }
    return images.get(0);
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) n = n.substring(2);
    while (n.startsWith("/")) n = n.substring(1);
    return n;
  }

  private static String resolveLink(String name, String target) {
    if (target.startsWith("/")) return normalize(target);
    int slash = name.lastIndexOf('/');
    List<String> parts =
        new ArrayList<>(slash < 0 ? List.of() : List.of(name.substring(0, slash).split("/")));
    for (String p : target.split("/")) {
      if (p.isEmpty() || p.equals(".")) continue;
      if (p.equals("..")) {
        if (!parts.isEmpty()) parts.remove(parts.size() - 1);
      } else {
        parts.add(p);
      }
    }
    return String.join("/", parts);
  }

  private static String follow(String name, Map<String, String> links) {
    String n = normalize(name);
    for (int i = 0; i < 16 && links.containsKey(n); i++) n = links.get(n);
    return n;
  }

  private static Descriptor member(Map<String, Descriptor> copied, String name, Path tarFile) {
    Descriptor d = copied.get(name);
    if (d == null) {
      throw new ImageException(
          "docker archive " + tarFile + " lacks " + name + ", which its manifest.json names");
    }
    return d;
  }
}
