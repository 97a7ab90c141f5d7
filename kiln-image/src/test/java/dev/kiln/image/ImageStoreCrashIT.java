package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Digest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills (SIGKILL) a process that is writing and tagging images, at several moments, and checks the
 * store it leaves: every visible blob is whole, index.json parses, and every tag's image is
 * complete.
 */
class ImageStoreCrashIT {
  @TempDir Path tmp;

  @ParameterizedTest(name = "killed after {0} tagged images")
  @ValueSource(ints = {0, 2, 5, 9})
  void aKilledWriterLeavesAConsistentStore(int tagsBeforeKill) throws Exception {
    Path dir = tmp.resolve("images");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                StoreCrashWriter.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int seen = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine();
          line != null && seen < tagsBeforeKill;
          line = out.readLine()) {
        seen = Integer.parseInt(line.substring("tagged ".length()));
      }
      child.destroyForcibly();
      assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(seen).as("the writer reported progress").isEqualTo(tagsBeforeKill);

    List<Path> blobs;
    try (var files = Files.list(dir.resolve("blobs/sha256"))) {
      blobs = files.toList();
    }
    for (Path blob : blobs) {
      assertThat(Digest.of(Files.readAllBytes(blob)).hex())
          .as("blob %s is whole", blob)
          .isEqualTo(blob.getFileName().toString());
    }
    ImageStore store = ImageStore.open(dir);
    List<Descriptor> tagged = new ArrayList<>(store.tagged());
    assertThat(tagged.size()).isGreaterThanOrEqualTo(tagsBeforeKill + 1);
    for (Descriptor t : tagged) {
      ImageManifest m = store.manifest(t.digest());
      store.verify(m.config().digest());
      m.layers().forEach(l -> store.verify(l.digest()));
    }
  }
}
