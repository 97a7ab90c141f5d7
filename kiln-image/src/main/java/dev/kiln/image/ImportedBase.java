package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import dev.kiln.oci.EntryNames;
import dev.kiln.oci.EntryRefused;
import dev.kiln.oci.LayerStream;
import dev.kiln.oci.OciException;
import dev.kiln.oci.UnpackLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Applies {@link SpecialFiles}' rule to an imported base ({@code oci:}, {@code docker-archive:}): a
 * layer with set-uid/set-gid files or device nodes is rewritten without them (uncompressed, the
 * same entries otherwise, in the same order), and the config's diff ids and the manifest follow. A
 * base without any keeps its publisher's digests byte for byte. The imported original stays in the
 * store untouched; the bake builds on the conformed one. The outcome is remembered per base
 * manifest in {@code <records>/<hex>.json} (with its note, repeated on later bakes), so a base is
 * read and rewritten once, not on every bake.
 */
final class ImportedBase {
  private ImportedBase() {}

  /**
   * The manifest of {@code manifest} with every layer conformed; itself when nothing changes.
   * {@code records} remembers outcomes across bakes.
   */
  static Descriptor conform(
      ImageStore store,
      Descriptor manifest,
      UnpackLimits limits,
      Path records,
      Consumer<String> note) {
    Path record = records.resolve(manifest.digest().hex() + ".json");
    Optional<Remembered> known = read(record).filter(r -> store.has(r.manifest().digest()));
    if (known.isPresent()) {
      if (!known.get().note().isEmpty()) note.accept(known.get().note());
      return known.get().manifest();
    }
    StringBuilder said = new StringBuilder();
    Descriptor conformed = conform(store, manifest, limits, (Consumer<String>) n -> said.append(n));
    write(record, new Remembered(conformed, said.toString()));
    if (!said.isEmpty()) note.accept(said.toString());
    return conformed;
  }

  private record Remembered(Descriptor manifest, String note) {}

  private static Optional<Remembered> read(Path record) {
    try {
      JsonNode n = Json.parse(Files.readAllBytes(record), record.toString());
      return Optional.of(
          new Remembered(
              Descriptor.fromJson(n.path("manifest"), record.toString()),
              n.path("note").asText("")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // absent or unreadable: conform again
    }
  }

  private static void write(Path record, Remembered r) {
    try {
      Files.createDirectories(record.getParent());
      ObjectNode n = Json.object();
      n.set("manifest", r.manifest().toJson());
      n.put("note", r.note());
      Path temp = Files.createTempFile(record.getParent(), "conformed", ".tmp");
      Files.write(temp, Json.bytes(n));
      Files.move(temp, record, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Only a speed-up: the next bake conforms again.
    }
  }

  static Descriptor conform(
      ImageStore store, Descriptor manifest, UnpackLimits limits, Consumer<String> note) {
    ImageManifest m = store.manifest(manifest.digest());
    List<Descriptor> layers = new ArrayList<>();
    List<Integer> changed = new ArrayList<>();
    List<String> stripped = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (Descriptor layer : m.layers()) {
      Scan scan = scan(store, layer, limits);
      if (scan.stripped().isEmpty() && scan.dropped().isEmpty()) {
        layers.add(layer);
        continue;
      }
      stripped.addAll(scan.stripped());
      dropped.addAll(scan.dropped());
      changed.add(layers.size());
      layers.add(rewrite(store, layer, limits));
    }
    if (changed.isEmpty()) return manifest;
    ObjectNode config = (ObjectNode) Json.parse(store.read(m.config().digest()), "base config");
    JsonNode diffIds = config.path("rootfs").path("diff_ids");
    if (!(diffIds instanceof ArrayNode ids) || ids.size() != layers.size()) {
      throw new ImageException(
          "base config "
              + m.config().digest()
              + " does not list one diff id per layer; cannot conform its layers");
    }
    for (int i : changed) ids.set(i, ids.textNode(layers.get(i).digest().toString()));
    Descriptor configBlob = store.put(MediaTypes.CONFIG, Json.bytes(config));
    note.accept(SpecialFiles.note(stripped, dropped));
    return store.putManifest(
        new ImageManifest(configBlob, layers, m.annotations(), Optional.empty(), Optional.empty()));
  }

  private record Scan(List<String> stripped, List<String> dropped) {}

  private static Scan scan(ImageStore store, Descriptor layer, UnpackLimits limits) {
    List<String> stripped = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    each(
        store,
        layer,
        limits,
        (e, tar) -> {
          if (special(e)) dropped.add(EntryNames.imagePath(e.getName()));
          else if (e.isFile() && (e.getMode() & SpecialFiles.SET_ID) != 0) {
            stripped.add(EntryNames.imagePath(e.getName()));
          }
        });
    return new Scan(stripped, dropped);
  }

  private static Descriptor rewrite(ImageStore store, Descriptor layer, UnpackLimits limits) {
    try (BlobSink sink = store.newBlob()) {
      TarArchiveOutputStream out = new TarArchiveOutputStream(sink, 10240);
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      out.setAddPaxHeadersForNonAsciiNames(true);
      each(
          store,
          layer,
          limits,
          (e, tar) -> {
            if (special(e)) return;
            if (e.isFile()) e.setMode(SpecialFiles.fileMode(e.getMode()));
            out.putArchiveEntry(e);
            if (e.isFile()) tar.transferTo(out);
            out.closeArchiveEntry();
          });
      out.finish();
      out.flush();
      return sink.commit(MediaTypes.LAYER_TAR);
    } catch (IOException e) {
      throw new ImageException("cannot rewrite layer " + layer.digest() + ": " + e.getMessage(), e);
    }
  }

  private static boolean special(TarArchiveEntry e) {
    return e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO();
  }

  private interface EntryVisitor {
    void visit(TarArchiveEntry e, InputStream content) throws IOException;
  }

  /** Reads the layer bounded by {@code limits}: a bomb is refused here, before any unpacking. */
  private static void each(
      ImageStore store, Descriptor layer, UnpackLimits limits, EntryVisitor visitor) {
    Digest digest = layer.digest();
    String entryName = "(none)";
    try (InputStream raw = store.open(digest)) {
      LayerStream stream = LayerStream.open(raw, limits, limits.maxImageBytes(), digest.toString());
      TarArchiveInputStream tar = new TarArchiveInputStream(stream.tar());
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entryName = e.getName();
        visitor.visit(e, tar);
      }
      stream.finish(); // the store checks the digest at EOF
    } catch (EntryRefused e) {
      throw new ImageException(
          "layer " + digest + ": entry '" + entryName + "' refused: " + e.getMessage());
    } catch (OciException e) {
      throw new ImageException(e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("cannot read layer " + digest + ": " + e.getMessage(), e);
    }
  }
}
