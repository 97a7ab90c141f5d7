package dev.kiln.image;

import dev.kiln.model.Digest;
import dev.kiln.oci.EntryNames;
import dev.kiln.oci.EntryRefused;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The final filesystem of an image, computed by streaming its layers without unpacking them: every
 * path with its type, regular files with their sha256 and size, and the content of a few small
 * files the caller asks for (package databases). Whiteouts are applied as the OCI spec says: they
 * hide entries of lower layers, never of their own.
 *
 * @param entries image path ({@code /usr/bin/env}) to what is there, sorted
 * @param kept the content of the wanted files that survive in the final filesystem
 */
public record ImageFiles(NavigableMap<String, Node> entries, Map<String, byte[]> kept) {
  /** What is at a path: a regular file (with its hash), a folder, a symlink or something else. */
  public record Node(Kind kind, String sha256, long size, String linkTarget) {
    static Node of(Kind kind) {
      return new Node(kind, "", 0, "");
    }
  }

  public enum Kind {
    FILE,
    DIRECTORY,
    SYMLINK,
    OTHER
  }

  public ImageFiles {
    entries = Collections.unmodifiableNavigableMap(new TreeMap<>(entries));
    kept = Map.copyOf(kept);
  }

  public List<Map.Entry<String, Node>> files() {
    return entries.entrySet().stream().filter(e -> e.getValue().kind() == Kind.FILE).toList();
  }

  /**
   * Reads the layers in order; {@code keep} selects files whose content to return (keep them
   * small).
   */
  public static ImageFiles read(ImageStore store, List<Descriptor> layers, Predicate<String> keep) {
    TreeMap<String, Node> all = new TreeMap<>();
    TreeMap<String, byte[]> kept = new TreeMap<>();
    for (Descriptor layer : layers) {
      try (InputStream raw = store.open(layer.digest())) {
        readLayer(layer, raw, all, kept, keep);
      } catch (IOException e) {
        throw new ImageException("cannot read layer " + layer.digest() + ": " + e.getMessage(), e);
      }
    }
    kept.keySet().removeIf(p -> !all.containsKey(p) || all.get(p).kind() != Kind.FILE);
    return new ImageFiles(all, kept);
  }

  private static void readLayer(
      Descriptor layer,
      InputStream raw,
      TreeMap<String, Node> all,
      TreeMap<String, byte[]> kept,
      Predicate<String> keep)
      throws IOException {
    TreeMap<String, Node> mine = new TreeMap<>();
    TreeMap<String, byte[]> mineKept = new TreeMap<>();
    List<String> whiteouts = new ArrayList<>();
    List<String> opaque = new ArrayList<>();
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 20);
    InputStream content = LayerPaths.decompressed(buffered);
    TarArchiveInputStream tar = new TarArchiveInputStream(content);
    byte[] buf = new byte[1 << 16];
    try {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String path = EntryNames.imagePath(e.getName());
        if (path.equals("/")) continue;
        int slash = path.lastIndexOf('/');
        String dir = path.substring(0, slash);
        String base = path.substring(slash + 1);
        if (base.equals(".wh..wh..opq")) {
          opaque.add(dir);
        } else if (base.startsWith(".wh.")) {
          whiteouts.add(dir + "/" + base.substring(4));
        } else if (e.isDirectory()) {
          mine.put(path, Node.of(Kind.DIRECTORY));
        } else if (e.isSymbolicLink()) {
          mine.put(path, new Node(Kind.SYMLINK, "", 0, e.getLinkName()));
        } else if (e.isLink()) {
          String target = EntryNames.imagePath(e.getLinkName());
          Node t = mine.containsKey(target) ? mine.get(target) : all.get(target);
          mine.put(path, t == null ? Node.of(Kind.OTHER) : t);
          byte[] k = mineKept.containsKey(target) ? mineKept.get(target) : kept.get(target);
          if (k != null && keep.test(path)) mineKept.put(path, k);
        } else if (e.isFile()) {
          MessageDigest sha = Digest.newSha256();
          ByteArrayOutputStream copy = keep.test(path) ? new ByteArrayOutputStream() : null;
          long size = 0;
          for (int r = tar.read(buf); r >= 0; r = tar.read(buf)) {
            sha.update(buf, 0, r);
            if (copy != null) copy.write(buf, 0, r);
            size += r;
          }
          mine.put(path, new Node(Kind.FILE, Digest.ofHash(sha).hex(), size, ""));
          if (copy != null) mineKept.put(path, copy.toByteArray());
        } else {
          mine.put(path, Node.of(Kind.OTHER));
        }
      }
      content.transferTo(OutputStream.nullOutputStream());
      buffered.transferTo(OutputStream.nullOutputStream());
    } catch (EntryRefused e) {
      throw new ImageException("layer " + layer.digest() + ": " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      if (!(e instanceof ImageException)) buffered.transferTo(OutputStream.nullOutputStream());
      throw e;
    }
    for (String w : whiteouts) removeTree(all, w);
    for (String o : opaque) all.subMap(o + "/", o + "0").clear();
    for (Map.Entry<String, Node> e : mine.entrySet()) {
      // Anything but a folder hides whatever a lower layer had below that path.
      if (e.getValue().kind() != Kind.DIRECTORY)
        all.subMap(e.getKey() + "/", e.getKey() + "0").clear();
      all.put(e.getKey(), e.getValue());
    }
    kept.putAll(mineKept);
  }

  private static void removeTree(TreeMap<String, Node> all, String path) {
    all.remove(path);
    all.subMap(path + "/", path + "0").clear(); // '0' is the character after '/'
  }
}
