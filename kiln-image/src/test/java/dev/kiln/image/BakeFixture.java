package dev.kiln.image;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.model.Blueprint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** A blueprint folder and a KILN_HOME in a temp dir, for baking in tests. */
final class BakeFixture {
  static final Path BUSYBOX = Path.of("/bin/busybox");

  final Path folder;
  final Path home;
  final ImageStore store;
  final List<BakerEvent> events = new CopyOnWriteArrayList<>();

  BakeFixture(Path folder, Path home) {
    this.folder = folder;
    this.home = home;
    this.store = ImageStore.open(home.resolve("images"));
  }

  BakeFixture file(String path, String content) throws IOException {
    Path p = folder.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return this;
  }

  /** bin/busybox (busybox-static, copied: never committed) and bin/sh -> busybox. */
  BakeFixture busybox() throws IOException {
    Path bin = folder.resolve("bin");
    Files.createDirectories(bin);
    Files.copy(BUSYBOX, bin.resolve("busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    }
    return this;
  }

  Blueprint blueprint(String yaml) throws IOException {
    Path file = folder.resolve("kiln.yaml");
    Files.createDirectories(folder);
    Files.writeString(file, yaml);
    return BlueprintParser.parse(file);
  }

  /**
   * The blueprint as text only, its folder unchecked: what the baker sees when the folder changed
   * after the blueprint was validated, so that the baker's own refusals can be tested.
   */
  Blueprint blueprintUnchecked(String yaml) throws IOException {
    Path file = folder.resolve("kiln.yaml");
    Files.createDirectories(folder);
    Files.writeString(file, yaml);
    return BlueprintParser.parse(file, yaml);
  }

  BakeOptions options() {
    return BakeOptions.defaults()
        .withEpoch(LayerWriter.DEFAULT_EPOCH)
        .withListener(events::add)
        .withDebianCache(DebianFixture.CACHE);
  }

  Baker baker() {
    return baker(options());
  }

  Baker baker(BakeOptions options) {
    return new Baker(store, home.resolve("cache"), options);
  }

  BakeResult bake(Blueprint bp, String... names) {
    return baker().bake(bp, List.of(names));
  }

  List<BakerEvent.StepDone> steps() {
    return events.stream()
        .filter(e -> e instanceof BakerEvent.StepDone)
        .map(e -> (BakerEvent.StepDone) e)
        .toList();
  }

  long blobCount() throws IOException {
    try (var s = Files.list(store.dir().resolve("blobs/sha256"))) {
      return s.count();
    }
  }

  /** A layer's entries: tar name -> content (or "-> target" for links, "" for folders). */
  static Map<String, String> entries(ImageStore store, Descriptor layer) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (InputStream in = store.open(layer.digest());
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.isSymbolicLink() || e.isLink()) out.put(e.getName(), "-> " + e.getLinkName());
        else if (e.isDirectory()) out.put(e.getName(), "");
        else out.put(e.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** tar name -> octal mode, for mode checks. */
  static Map<String, String> modes(ImageStore store, Descriptor layer) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (InputStream in = store.open(layer.digest());
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        out.put(e.getName(), Integer.toOctalString(e.getMode() & 07777));
      }
    }
    return out;
  }

  List<Descriptor> layers(String image) {
    Descriptor d = store.resolve(image).orElseThrow();
    return new ArrayList<>(store.manifest(d.digest()).layers());
  }
}
