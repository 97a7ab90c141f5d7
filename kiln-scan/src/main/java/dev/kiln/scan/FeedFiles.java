package dev.kiln.scan;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The JSON files of an offline feed, read with bounds: a directory (walked in name order, its
 * {@code .json} files and {@code .zip} files, as osv-scanner lays out {@code Debian/all.zip}), a
 * zip, or one JSON file. Sizes are counted as bytes arrive, not taken from a zip's headers (which
 * may lie); entries that would escape the zip ({@code ../x}, {@code /etc/x}) and symlinks leading
 * out of the directory are refused as warnings. Nothing is extracted to disk.
 */
final class FeedFiles {
  /**
   * How much a feed may hold. The Debian Security Tracker's whole JSON is ~70 MB and osv.dev's
   * Debian all.zip has tens of thousands of small files; nothing legitimate is near the defaults.
   */
  record Limits(long maxFileBytes, long maxTotalBytes, int maxFiles) {
    static final Limits DEFAULT = new Limits(512L << 20, 8L << 30, 2_000_000);
  }

  private long total;
  private int files;
  private final Limits limits;
  private final List<ScanWarning> warnings;
  private final byte[] chunk = new byte[16384];

  private FeedFiles(Limits limits, List<ScanWarning> warnings) {
    this.limits = limits;
    this.warnings = warnings;
  }

  /** Calls {@code sink} with (name, bytes) for each JSON file under {@code path}. */
  static void read(
      Path path, Limits limits, List<ScanWarning> warnings, BiConsumer<String, byte[]> sink) {
    FeedFiles f = new FeedFiles(limits, warnings);
    if (Files.isDirectory(path)) f.directory(path, sink);
    else if (Files.isRegularFile(path)) f.file(path, path.toString(), sink);
    else
      throw new ScanException(
          "advisories: " + path + " does not exist; give a directory, a .zip or a .json file");
  }

  private void directory(Path dir, BiConsumer<String, byte[]> sink) {
    Path root;
    List<Path> found;
    try (Stream<Path> walk = Files.walk(dir)) {
      root = dir.toRealPath();
      found = new ArrayList<>(walk.filter(p -> isFeedFile(p.toString())).sorted().toList());
    } catch (IOException | UncheckedIOException e) {
      throw new ScanException(
          "advisories: cannot read the directory " + dir + ": " + e.getMessage());
    }
    for (Path p : found) {
      try {
        if (!Files.isRegularFile(p)) continue;
        if (!p.toRealPath().startsWith(root)) {
          warnings.add(new ScanWarning(p.toString(), "", "a link out of " + dir + "; skipped"));
          continue;
        }
      } catch (IOException e) {
        warnings.add(new ScanWarning(p.toString(), "", "unreadable: " + e.getMessage()));
        continue;
      }
      file(p, p.toString(), sink);
    }
  }

  private void file(Path p, String name, BiConsumer<String, byte[]> sink) {
    if (p.toString().endsWith(".zip")) {
      zip(p, sink);
      return;
    }
    try (InputStream in = Files.newInputStream(p)) {
      accept(name, in, sink);
    } catch (IOException e) {
      warnings.add(new ScanWarning(name, "", "unreadable: " + e.getMessage()));
    }
  }

  private void zip(Path p, BiConsumer<String, byte[]> sink) {
    try (ZipFile zip = new ZipFile(p.toFile())) {
      List<ZipEntry> entries = new ArrayList<>();
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        if (!entry.isDirectory()) entries.add(entry);
      }
      entries.sort((a, b) -> a.getName().compareTo(b.getName()));
      for (ZipEntry entry : entries) {
        String name = p + "!/" + entry.getName();
        if (escapes(entry.getName())) {
          warnings.add(new ScanWarning(name, "", "an entry path that escapes the zip; skipped"));
          continue;
        }
        if (!entry.getName().endsWith(".json")) continue; // README, LICENSE, nested zips
        try (InputStream in = zip.getInputStream(entry)) {
          accept(name, in, sink);
        } catch (IOException e) {
          warnings.add(new ScanWarning(name, "", "unreadable zip entry: " + e.getMessage()));
        }
      }
    } catch (ZipException e) {
      warnings.add(new ScanWarning(p.toString(), "", "not a readable zip: " + e.getMessage()));
    } catch (IOException e) {
      warnings.add(new ScanWarning(p.toString(), "", "unreadable: " + e.getMessage()));
    }
  }

  private void accept(String name, InputStream in, BiConsumer<String, byte[]> sink)
      throws IOException {
    if (++files > limits.maxFiles())
      throw new ScanException(
          "advisories: more than " + limits.maxFiles() + " files; give the feed of one ecosystem");
    // Counted while reading (a zip header's size may lie); not readNBytes(cap), which allocates
    // for the cap, and with one reused chunk: feeds are tens of thousands of small files.
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    long read = 0;
    for (int n; (n = in.read(chunk)) > 0; ) {
      read += n;
      if (read > limits.maxFileBytes()) {
        warnings.add(
            new ScanWarning(name, "", "larger than " + limits.maxFileBytes() + " bytes; skipped"));
        return;
      }
      buffer.write(chunk, 0, n);
    }
    byte[] bytes = buffer.toByteArray();
    total += bytes.length;
    if (total > limits.maxTotalBytes())
      throw new ScanException(
          "advisories: more than "
              + limits.maxTotalBytes()
              + " bytes of JSON; give a smaller feed");
    sink.accept(name, bytes);
  }

  private static boolean isFeedFile(String name) {
    return name.endsWith(".json") || name.endsWith(".zip");
  }

  /** A zip entry name that is absolute or climbs out with {@code ..} (a "zip slip"). */
  static boolean escapes(String entry) {
    String n = entry.replace('\\', '/');
    if (n.startsWith("/") || (n.length() > 1 && n.charAt(1) == ':')) return true; // C:/x
    for (String part : n.split("/")) if (part.equals("..")) return true;
    return false;
  }
}
