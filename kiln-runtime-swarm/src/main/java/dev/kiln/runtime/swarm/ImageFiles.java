package dev.kiln.runtime.swarm;

import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.VerifiedBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The paths an image's layers leave behind (whiteouts applied), with its symlinks, so that a
 * command missing from the image is refused before anything is created on the swarm: once a task
 * starts, its init would report a missing command only as an exit code.
 */
final class ImageFiles {
  private static final int MAX_HOPS = 40;
  private final Set<String> paths = new HashSet<>();
  private final Map<String, String> links = new HashMap<>();

  static ImageFiles of(ImageContent image) throws IOException {
    ImageFiles files = new ImageFiles();
    for (ImageContent.Blob layer : image.layers()) {
      try (InputStream raw = VerifiedBlobs.openTar(layer);
          TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) files.add(e);
        VerifiedBlobs.drain(raw);
      }
    }
    return files;
  }

  private void add(TarArchiveEntry e) {
    String path = normalize(e.getName());
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    String parent = path.substring(0, Math.max(0, slash));
    if (name.equals(".wh..wh..opq")) {
      paths.removeIf(p -> p.startsWith(parent + "/"));
      links.keySet().removeIf(p -> p.startsWith(parent + "/"));
      return;
    }
    if (name.startsWith(".wh.")) {
      String gone = (parent.isEmpty() ? "" : parent + "/") + name.substring(4);
      paths.removeIf(p -> p.equals(gone) || p.startsWith(gone + "/"));
      links.keySet().removeIf(p -> p.equals(gone) || p.startsWith(gone + "/"));
      return;
    }
    paths.add(path);
    if (e.isSymbolicLink()) links.put(path, e.getLinkName());
    else links.remove(path);
  }

  /**
   * Where {@code command} (argv[0]) is found: an absolute path resolved through the image's
   * symlinks, or a bare name looked up in {@code PATH}; empty if the image does not have it.
   */
  Optional<String> find(String command, Optional<String> pathVariable) {
    if (command.contains("/")) {
      return exists(command) ? Optional.of(command) : Optional.empty();
    }
    String search =
        pathVariable.orElse("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : List.of(search.split(":"))) {
      if (dir.isEmpty()) continue;
      String candidate = dir.endsWith("/") ? dir + command : dir + "/" + command;
      if (exists(candidate)) return Optional.of(candidate);
    }
    return Optional.empty();
  }

  boolean exists(String absolute) {
    return resolve(normalize(absolute), 0).map(paths::contains).orElse(false);
  }

  /** Follows symlinks component by component, as the kernel would inside the image's root. */
  private Optional<String> resolve(String path, int hops) {
    if (hops > MAX_HOPS) return Optional.empty();
    String[] parts = path.isEmpty() ? new String[0] : path.split("/");
    StringBuilder done = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      String here = done.isEmpty() ? parts[i] : done + "/" + parts[i];
      String target = links.get(here);
      if (target != null) {
        String base = target.startsWith("/") ? "" : done.toString();
        String rest = String.join("/", List.of(parts).subList(i + 1, parts.length));
        String next = normalize(base + "/" + target + (rest.isEmpty() ? "" : "/" + rest));
        return resolve(next, hops + 1);
      }
      done.setLength(0);
      done.append(here);
    }
    return Optional.of(done.toString());
  }

  /** {@code ./usr//bin/../bin/sh} and {@code /usr/bin/sh} both become {@code usr/bin/sh}. */
  static String normalize(String path) {
    java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) continue;
      if (part.equals("..")) {
        if (!out.isEmpty()) out.removeLast();
      } else out.addLast(part);
    }
    return String.join("/", out);
  }
}
