package dev.kiln.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.ImageContent.Blob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds real OCI image content in memory — gzip tar layers, a config and a manifest with correct
 * digests — so driver tests need no image store. The base is the host's static busybox ({@code
 * busybox-static} on Debian) with applet symlinks, enough for {@code sh} and {@code httpd}.
 */
public final class TestImages {
  public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
  public static final List<String> APPLETS =
      List.of(
          "sh",
          "httpd",
          "sleep",
          "cat",
          "echo",
          "touch",
          "env",
          "ls",
          "mkdir",
          "nc",
          "wget",
          "true",
          "false",
          "printenv",
          "id",
          "rm",
          "test",
          "kill",
          "ps",
          "head");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TarLayer> layers = new ArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private List<String> entrypoint = List.of();
  private List<String> cmd = List.of();
  private boolean gzip = true;
  private final Map<String, String> annotations = new LinkedHashMap<>();

  private TestImages() {}

  /** An empty image (no layers yet). */
  public static TestImages scratch() {
    return new TestImages();
  }

  /**
   * Busybox at {@code /bin/busybox} with applets, {@code /tmp /proc /dev /data /www}, a {@code
   * /www/index.html} saying {@code hello from kiln}, and a default entrypoint serving {@code /www}
   * on {@code $PORT} with {@code httpd}.
   */
  public static TestImages busybox() {
    byte[] busybox;
    try {
      busybox = Files.readAllBytes(HOST_BUSYBOX);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "tests need a static busybox at " + HOST_BUSYBOX + " (apt-get install busybox-static)",
          e);
    }
    TarLayer base = new TarLayer();
    for (String dir : List.of("bin", "etc", "tmp", "proc", "dev", "sys", "data", "www"))
      base.dir(dir);
    base.file("bin/busybox", busybox, 0755);
    for (String applet : APPLETS) base.symlink("bin/" + applet, "busybox");
    base.file(
        "etc/passwd", "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    base.file("etc/group", "root:x:0:\nnogroup:x:65534:\n");
    base.file("www/index.html", "hello from kiln\n");
    return scratch()
        .layer(base)
        .env("PATH", "/bin")
        .entrypoint("/bin/sh", "-c", "exec httpd -f -p \"$PORT\" -h /www");
  }

  public TestImages layer(TarLayer layer) {
    layers.add(layer);
    return this;
  }

  public TestImages env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public TestImages entrypoint(String... argv) {
    entrypoint = List.of(argv);
    return this;
  }

  public TestImages cmd(String... argv) {
    cmd = List.of(argv);
    return this;
  }

  /**
   * An annotation on the manifest (as a baker writes, e.g. the creation time): the manifest is then
   * no longer what its config and layers alone would make.
   */
  public TestImages annotation(String key, String value) {
    annotations.put(key, value);
    return this;
  }

  public TestImages uncompressed() {
    gzip = false;
    return this;
  }

  public ImageContent build() {
    List<Blob> blobs = new ArrayList<>();
    ArrayNode diffIds = JSON.createArrayNode();
    for (TarLayer layer : layers) {
      byte[] tar = layer.toTar();
      diffIds.add(Digest.of(tar).toString());
      byte[] stored = gzip ? layer.toTarGz() : tar;
      String type = "application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : "");
      blobs.add(blob(stored, type));
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64").put("os", "linux");
    ObjectNode run = config.putObject("config");
    ArrayNode envArray = run.putArray("Env");
    env.forEach((k, v) -> envArray.add(k + "=" + v));
    if (!entrypoint.isEmpty()) entrypoint.forEach(run.putArray("Entrypoint")::add);
    if (!cmd.isEmpty()) cmd.forEach(run.putArray("Cmd")::add);
    run.put("WorkingDir", "/");
    config.putObject("rootfs").put("type", "layers").set("diff_ids", diffIds);
    Blob configBlob = blob(bytes(config), "application/vnd.oci.image.config.v1+json");

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest.set("config", descriptor(configBlob));
    ArrayNode layerArray = manifest.putArray("layers");
    blobs.forEach(b -> layerArray.add(descriptor(b)));
    if (!annotations.isEmpty()) annotations.forEach(manifest.putObject("annotations")::put);
    Blob manifestBlob = blob(bytes(manifest), "application/vnd.oci.image.manifest.v1+json");

    var runConfig =
        new ImageContent.RunConfig(entrypoint, cmd, env, Optional.of("/"), Optional.empty());
    return new ImageContent(
        manifestBlob.digest(), blobs, configBlob, runConfig, true, Optional.of(manifestBlob));
  }

  /** The same image claims with the first layer's bytes altered: a store that was tampered with. */
  public static ImageContent tampered(ImageContent image) {
    List<Blob> layers = new ArrayList<>(image.layers());
    Blob first = layers.getFirst();
    layers.set(
        0,
        new Blob(
            first.digest(),
            first.mediaType(),
            first.size(),
            () -> {
              byte[] bytes = first.open().readAllBytes();
              bytes[bytes.length / 2] ^= 0x5a;
              return new ByteArrayInputStream(bytes);
            }));
    return new ImageContent(
        image.manifestDigest(),
        layers,
        image.config(),
        image.runConfig(),
        image.signatureVerified(),
        image.manifest());
  }

  private static Blob blob(byte[] bytes, String mediaType) {
    return new Blob(
        Digest.of(bytes), mediaType, bytes.length, () -> new ByteArrayInputStream(bytes));
  }

  private static ObjectNode descriptor(Blob blob) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", blob.mediaType())
        .put("digest", blob.digest().toString())
        .put("size", blob.size());
    return d;
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
