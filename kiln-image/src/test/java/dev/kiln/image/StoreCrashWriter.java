package dev.kiln.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link ImageStoreCrashIT}: writes and tags images forever, printing {@code
 * tagged N} after each, until it is killed.
 */
public final class StoreCrashWriter {
  private StoreCrashWriter() {}

  public static void main(String[] args) throws Exception {
    ImageStore store = ImageStore.open(Path.of(args[0]));
    byte[] chunk = new byte[64 << 10];
    for (int n = 0; ; n++) {
      new Random(n).nextBytes(chunk);
      Descriptor layer;
      try (BlobSink sink = store.newBlob()) {
        for (int i = 0; i < 48; i++) { // 3 MB, written in pieces so a kill lands mid-blob
          chunk[0] = (byte) i;
          sink.write(chunk);
        }
        layer = sink.commit(MediaTypes.LAYER_TAR);
      }
      Descriptor image = TestImages.image(store, List.of(layer), Map.of());
      store.tag("img-" + n, image);
      System.out.println("tagged " + n);
      System.out.flush();
    }
  }
}
