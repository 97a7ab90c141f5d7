package dev.kiln.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jspecify.annotations.Nullable;

/**
 * Writes a reproducible, uncompressed OCI layer: entries sorted by path, missing parent folders
 * added, every timestamp set to one fixed instant, owner names empty, ids numeric, and no set-uid
 * or set-gid bit on a file ({@link SpecialFiles}: callers note what was stripped). The same entries
 * with the same content always give the same bytes, hence the same digest.
 *
 * <p>Layers are not gzipped on purpose: deflate output varies between zlib builds (the JDK's own
 * and the system's), and a digest that depends on the JDK would break reproducibility.
 */
public final class LayerWriter {
  /** The timestamp used when SOURCE_DATE_EPOCH is not set: 1970-01-01T00:00:01Z, as Jib does. */
  public static final Instant DEFAULT_EPOCH = Instant.ofEpochSecond(1);

  private final Instant mtime;

  public LayerWriter(Instant mtime) {
    this.mtime = mtime;
  }

  /** SOURCE_DATE_EPOCH (seconds) if set, else {@link #DEFAULT_EPOCH}. */
  public static Instant epochFromEnvironment() {
    String sde = System.getenv("SOURCE_DATE_EPOCH");
    if (sde == null || sde.isBlank()) return DEFAULT_EPOCH;
    try {
      return Instant.ofEpochSecond(Long.parseLong(sde.trim()));
    } catch (NumberFormatException e) {
      throw new ImageException("SOURCE_DATE_EPOCH must be whole seconds since 1970, got: " + sde);
    }
  }

  public Instant mtime() {
    return mtime;
  }

  /**
   * Writes the layer into the store and returns its descriptor (its digest is also its diff id).
   */
  public Descriptor write(ImageStore store, List<LayerEntry> entries) {
    try (BlobSink sink = store.newBlob()) {
      write(sink, entries);
      return sink.commit(MediaTypes.LAYER_TAR);
    } catch (IOException e) {
      throw new ImageException("cannot write layer: " + e.getMessage(), e);
    }
  }

  public void write(OutputStream out, List<LayerEntry> entries) throws IOException {
    List<LayerEntry> sorted = withParents(entries);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 10240);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    // Hard links last: a reader can only link to a file it has already extracted.
    for (LayerEntry e : sorted) if (!(e instanceof LayerEntry.Hardlink)) writeEntry(tar, e);
    for (LayerEntry e : sorted) if (e instanceof LayerEntry.Hardlink) writeEntry(tar, e);
    tar.finish();
    tar.flush();
  }

  private void writeEntry(TarArchiveOutputStream tar, LayerEntry e) throws IOException {
    String name = e.path().substring(1);
    switch (e) {
      case LayerEntry.Directory d -> {
        TarArchiveEntry t = new TarArchiveEntry(name + "/");
        owner(t, d.mode() | 0040000, d.uid(), d.gid());
        put(tar, t, null);
      }
      case LayerEntry.File f -> {
        TarArchiveEntry t = new TarArchiveEntry(name);
        owner(t, SpecialFiles.fileMode(f.mode()) | 0100000, f.uid(), f.gid());
        t.setSize(Files.size(f.source()));
        try (InputStream in = Files.newInputStream(f.source())) {
          put(tar, t, in);
        }
      }
      case LayerEntry.Bytes b -> {
        TarArchiveEntry t = new TarArchiveEntry(name);
        owner(t, SpecialFiles.fileMode(b.mode()) | 0100000, b.uid(), b.gid());
        t.setSize(b.content().length);
        put(tar, t, new java.io.ByteArrayInputStream(b.content()));
      }
      case LayerEntry.Symlink s -> {
        TarArchiveEntry t = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        owner(t, 0120777, s.uid(), s.gid());
        t.setLinkName(s.target());
        put(tar, t, null);
      }
      case LayerEntry.Hardlink h -> {
        TarArchiveEntry t = new TarArchiveEntry(name, TarConstants.LF_LINK);
        owner(t, 0100644, 0, 0);
        t.setLinkName(h.target().substring(1));
        put(tar, t, null);
      }
      case LayerEntry.Whiteout w -> {
        int slash = name.lastIndexOf('/');
        TarArchiveEntry t =
            new TarArchiveEntry(name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1));
        owner(t, 0100644, 0, 0);
        put(tar, t, null);
      }
      case LayerEntry.OpaqueDirectory o -> {
        TarArchiveEntry t = new TarArchiveEntry(name + "/.wh..wh..opq");
        owner(t, 0100644, 0, 0);
        put(tar, t, null);
      }
    }
  }

  private void owner(TarArchiveEntry t, int mode, int uid, int gid) {
    t.setMode(mode);
    t.setUserId(uid);
    t.setGroupId(gid);
    t.setUserName("");
    t.setGroupName("");
    t.setModTime(Date.from(mtime));
  }

  private static void put(
      TarArchiveOutputStream tar, TarArchiveEntry t, @Nullable InputStream content)
      throws IOException {
    tar.putArchiveEntry(t);
    if (content != null) content.transferTo(tar);
    tar.closeArchiveEntry();
  }

  /** Sorts, rejects bad or duplicate paths, and adds 0755 root-owned parents that are missing. */
  static List<LayerEntry> withParents(List<LayerEntry> entries) {
    TreeSet<LayerEntry> sorted = new TreeSet<>();
    Set<String> paths = new java.util.HashSet<>();
    for (LayerEntry e : entries) {
      String p = e.path();
      if (!p.startsWith("/")
          || p.equals("/")
          || p.endsWith("/")
          || p.contains("//")
          || ("/" + p + "/").contains("/../")
          || ("/" + p + "/").contains("/./")) {
        throw new ImageException("layer entry path must be absolute and normalized: " + p);
      }
      if (!paths.add(p)) throw new ImageException("layer has two entries for " + p);
      sorted.add(e);
    }
    List<LayerEntry> out = new ArrayList<>();
    for (LayerEntry e : List.copyOf(sorted)) {
      String p = e.path();
      for (int i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
        String parent = p.substring(0, i);
        if (paths.add(parent)) sorted.add(new LayerEntry.Directory(parent, 0755, 0, 0));
      }
    }
    out.addAll(sorted);
    return out;
  }
}
