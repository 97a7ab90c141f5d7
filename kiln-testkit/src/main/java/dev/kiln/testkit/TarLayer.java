package dev.kiln.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A tar layer written in code, entries in the order given, with fixed owner and mtime so the bytes
 * (and digests) are reproducible. Names are written verbatim, so tests can also build hostile
 * layers ({@code ../x}, absolute paths, links out of the root).
 */
public final class TarLayer {
  private final List<Entry> entries = new ArrayList<>();

  private record Entry(String name, byte type, int mode, byte[] content, String link) {}

  public TarLayer dir(String name) {
    entries.add(new Entry(name, TarConstants.LF_DIR, 0755, new byte[0], ""));
    return this;
  }

  public TarLayer file(String name, byte[] content, int mode) {
    entries.add(new Entry(name, TarConstants.LF_NORMAL, mode, content, ""));
    return this;
  }

  public TarLayer file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  public TarLayer symlink(String name, String target) {
    entries.add(new Entry(name, TarConstants.LF_SYMLINK, 0777, new byte[0], target));
    return this;
  }

  public TarLayer hardlink(String name, String target) {
    entries.add(new Entry(name, TarConstants.LF_LINK, 0644, new byte[0], target));
    return this;
  }

  /** An OCI whiteout: deletes {@code name} from the layers below. */
  public TarLayer whiteout(String name) {
    int slash = name.lastIndexOf('/');
    String wh = name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1);
    return file(wh, new byte[0], 0644);
  }

  /** An OCI opaque whiteout: hides everything the layers below put in {@code dir}. */
  public TarLayer opaque(String dir) {
    return file(dir + "/.wh..wh..opq", new byte[0], 0644);
  }

  public byte[] toTar() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        TarArchiveEntry entry = new TarArchiveEntry(e.name, e.type, true);
        entry.setMode(e.mode);
        entry.setModTime(0);
        entry.setUserId(0);
        entry.setGroupId(0);
        if (!e.link.isEmpty()) entry.setLinkName(e.link);
        if (e.type == TarConstants.LF_NORMAL) entry.setSize(e.content.length);
        tar.putArchiveEntry(entry);
        if (e.type == TarConstants.LF_NORMAL) tar.write(e.content);
        tar.closeArchiveEntry();
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public byte[] toTarGz() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(toTar());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
