// Image-store benchmark: unpack speed against GNU tar, SBOM and signing cost. Launched by
// bench/image-store.sh (not a test: no asserts, prints medians).
import dev.kiln.image.*;
import java.io.*;
import java.nio.file.*;
import java.util.*;
import java.util.zip.GZIPOutputStream;

public class ImageStoreBench {
  public static void main(String[] args) throws Exception {
    Path source = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    Path work = Files.createTempDirectory("kiln-bench");
    try {
      Path tar = work.resolve("layer.tar");
      exec("tar", "-C", source.toString(), "-cf", tar.toString(), ".");
      Path tgz = work.resolve("layer.tar.gz");
      try (InputStream in = Files.newInputStream(tar); OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz), 1 << 16)) {
        in.transferTo(out);
      }
      ImageStore store = ImageStore.open(work.resolve("store"));
      Descriptor plain = put(store, tar, MediaTypes.LAYER_TAR);
      Descriptor gzip = put(store, tgz, MediaTypes.LAYER_TAR_GZIP);
      System.out.printf("layer: tar of %s, %.0f MB (%.0f MB gzipped)%n", source, plain.size() / 1e6, gzip.size() / 1e6);

      report("GNU tar -xf (plain)", runs, work, dir -> exec("tar", "-C", dir.toString(), "-xf", tar.toString()));
      report("LayerUnpacker (plain, verifies digest)", runs, work,
          dir -> unpack(store, plain, dir));
      report("GNU tar -xzf (gzip)", runs, work, dir -> exec("tar", "-C", dir.toString(), "-xzf", tgz.toString()));
      report("LayerUnpacker (gzip, verifies digest)", runs, work,
          dir -> unpack(store, gzip, dir));

      ImageConfig config = ImageConfig.empty(LayerWriter.DEFAULT_EPOCH);
      config = new ImageConfig(config.architecture(), config.os(), config.created(), List.of(), List.of(), List.of(),
          Optional.empty(), Optional.empty(), List.of(), Map.of(), List.of(plain.digest()), List.of("bench"));
      Descriptor c = store.put(MediaTypes.CONFIG, config.toBytes());
      Descriptor image = store.putManifest(new ImageManifest(c, List.of(plain)));
      report("Sbom.attach (hash every file)", runs, work, dir -> Sbom.attach(store, image));
      HostKey key = HostKey.generate(work.resolve("keys"));
      report("ImageSigner.sign", runs, work, dir -> ImageSigner.sign(store, image, key));
      report("ImageSigner.verify (re-hashes blobs)", runs, work, dir -> ImageSigner.verify(store, image.digest(), key.publicKey()));
    } finally {
      exec("rm", "-rf", work.toString());
    }
  }

  interface Step { void run(Path dir) throws Exception; }

  static void report(String what, int runs, Path work, Step step) throws Exception {
    long[] ms = new long[runs];
    for (int i = 0; i < runs; i++) {
      Path dir = work.resolve("out-" + i);
      Files.createDirectories(dir);
      long t = System.nanoTime();
      step.run(dir);
      ms[i] = (System.nanoTime() - t) / 1_000_000;
      exec("rm", "-rf", dir.toString());
    }
    Arrays.sort(ms);
    System.out.printf("%-42s median %6d ms  (min %d, max %d, %d runs)%n", what, ms[runs / 2], ms[0], ms[runs - 1], runs);
  }

  /** kiln-oci's unpacker (the baker's and the process driver's) on one store layer, limits off. */
  static void unpack(ImageStore store, Descriptor layer, Path dir) throws IOException {
    var limits = new dev.kiln.oci.UnpackLimits(1L << 40, 1L << 40, Long.MAX_VALUE, Long.MAX_VALUE);
    var unpack = new dev.kiln.oci.LayerUnpacker(limits).into(dir);
    try (InputStream in = store.open(layer.digest())) {
      unpack.layer(layer.digest().toString(), in);
    }
    unpack.finish();
  }

  static Descriptor put(ImageStore store, Path file, String type) throws IOException {
    try (BlobSink sink = store.newBlob(); InputStream in = Files.newInputStream(file)) {
      in.transferTo(sink);
      return sink.commit(type);
    }
  }

  static void exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed");
  }
}
