package dev.kiln.snapshot;

import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** A home in miniature: a host key, a store with two signed images, a journal with a checkpoint. */
final class SnapshotFixture {
  final Path home;
  final HostKey key;
  final ImageStore store;
  final Descriptor web;
  final Descriptor old;

  SnapshotFixture(Path home) throws Exception {
    this.home = home;
    this.key = HostKey.generate(home.resolve("keys"));
    this.store = ImageStore.open(home.resolve("images"));
    this.web = image("web", "v2");
    this.old = image("web-previous", "v1");
    image("unrelated", "not in the snapshot");
    try (Journal j = Journal.open(home.resolve("state.db"), Clock.systemUTC())) {
      for (int i = 1; i <= 20; i++) {
        j.append(
            new EntryDraft(
                "test", "revision-created", "service/web", "apply", "{\"revision\":" + i + "}"));
      }
      j.checkpoint(signer());
    }
    Files.createDirectories(home.resolve("router"));
    Files.writeString(home.resolve("router/table.json"), "{\"version\":3,\"services\":[]}");
    Files.createDirectories(home.resolve("volumes/web/data"));
    Files.writeString(home.resolve("volumes/web/data/counter"), "42\n");
    Files.writeString(home.resolve("api-token"), "secret-token-never-in-a-snapshot");
  }

  Signer signer() {
    return new Signer() {
      @Override
      public String algorithm() {
        return HostKey.ALGORITHM;
      }

      @Override
      public byte[] sign(byte[] message) {
        return key.sign(message);
      }
    };
  }

  private Descriptor image(String name, String content) {
    Descriptor layer =
        store.put(
            MediaTypes.LAYER_TAR, (content + "\n").repeat(200).getBytes(StandardCharsets.UTF_8));
    Descriptor config =
        store.put(
            MediaTypes.CONFIG,
            ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                    + layer.digest()
                    + "\"]}}")
                .getBytes(StandardCharsets.UTF_8));
    Descriptor manifest = store.putManifest(new ImageManifest(config, List.of(layer)));
    store.tag(name, manifest);
    ImageSigner.sign(store, manifest, key);
    return store.resolve(name).orElseThrow();
  }

  SnapshotPlan plan(boolean volumes) {
    return new SnapshotPlan(
        home.resolve("state.db"),
        store,
        List.of(web, old),
        Optional.of(home.resolve("router/table.json")),
        volumes ? Optional.of(home.resolve("volumes")) : Optional.empty());
  }
}
