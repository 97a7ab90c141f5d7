package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The JSON documents of the store: descriptors, manifests, configs, and the verifying stream. */
class StoreDocumentsTest {
  private static final Digest D = Digest.of("x".getBytes(StandardCharsets.UTF_8));

  @Test
  void descriptorsRoundTripWithSortedAnnotations() {
    Descriptor d =
        new Descriptor(
            MediaTypes.MANIFEST,
            D,
            42,
            Map.of("z", "1", "a", "2"),
            Optional.of(MediaTypes.CYCLONEDX));
    String json = d.toJson().toString();
    assertThat(json)
        .isEqualTo(
            "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + D
                + "\",\"size\":42,\"artifactType\":\"application/vnd.cyclonedx+json\",\"annotations\":{\"a\":\"2\",\"z\":\"1\"}}");
    assertThat(Descriptor.fromJson(d.toJson(), "test")).isEqualTo(d);
    assertThatThrownBy(
            () ->
                Descriptor.fromJson(
                    Json.parse("{\"mediaType\":\"x\"}".getBytes(StandardCharsets.UTF_8), "t"),
                    "where"))
        .hasMessageContaining("where")
        .hasMessageContaining("lacks");
    assertThatThrownBy(
            () ->
                Descriptor.fromJson(
                    Json.parse(
                        "{\"mediaType\":\"x\",\"digest\":\"md5:1\",\"size\":1}"
                            .getBytes(StandardCharsets.UTF_8),
                        "t"),
                    "where"))
        .hasMessageContaining("md5:1");
  }

  @Test
  void manifestsRoundTripIncludingArtifacts() {
    Descriptor config = new Descriptor(MediaTypes.EMPTY_CONFIG, D, 2);
    Descriptor layer = new Descriptor(MediaTypes.LAYER_TAR, D, 10);
    ImageManifest m =
        new ImageManifest(
            config,
            List.of(layer),
            Map.of("k", "v"),
            Optional.of(MediaTypes.KILN_SIGNATURE),
            Optional.of(new Descriptor(MediaTypes.MANIFEST, D, 99)));
    ImageManifest back = ImageManifest.parse(m.toBytes(), "test");
    assertThat(back).isEqualTo(m);
    assertThat(back.toBytes()).isEqualTo(m.toBytes());
    assertThatThrownBy(
            () ->
                ImageManifest.parse(
                    "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}"
                        .getBytes(StandardCharsets.UTF_8),
                    "idx"))
        .hasMessageContaining("not an image manifest");
    assertThatThrownBy(
            () -> ImageManifest.parse("not json".getBytes(StandardCharsets.UTF_8), "junk"))
        .hasMessageContaining("junk is not valid JSON");
  }

  @Test
  void configsRoundTrip() {
    ImageConfig c =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.parse("2026-01-02T03:04:05Z"),
            List.of("A=1", "B=2"),
            List.of("/bin/app"),
            List.of("--x"),
            Optional.of("/srv"),
            Optional.of("1000:1000"),
            List.of(8080, 443),
            Map.of("team", "web"),
            List.of(D),
            List.of("COPY app"));
    ImageConfig back = ImageConfig.parse(c.toBytes(), "test");
    assertThat(back)
        .isEqualTo(
            new ImageConfig(
                "amd64",
                "linux",
                c.created(),
                c.env(),
                c.entrypoint(),
                c.cmd(),
                c.workdir(),
                c.user(),
                List.of(443, 8080),
                c.labels(),
                c.diffIds(),
                c.history()));
    assertThat(new String(c.toBytes(), StandardCharsets.UTF_8))
        .contains("\"ExposedPorts\":{\"443/tcp\":{},\"8080/tcp\":{}}");
    assertThatThrownBy(
            () ->
                ImageConfig.parse(
                    "{\"rootfs\":{\"diff_ids\":[\"nope\"]}}".getBytes(StandardCharsets.UTF_8),
                    "cfg"))
        .hasMessageContaining("cfg: bad diff_id");
  }

  @Test
  void theVerifyingStreamChecksEvenWhenSkippingOrReadingByteByByte() throws Exception {
    byte[] content = "content".getBytes(StandardCharsets.UTF_8);
    try (InputStream in =
        new VerifyingInputStream(
            new ByteArrayInputStream(content), Digest.of(content), Path.of("x"))) {
      assertThat(in.read()).isEqualTo('c');
      assertThat(in.skip(3)).isEqualTo(3);
      in.transferTo(OutputStream.nullOutputStream());
    }
    InputStream bad =
        new VerifyingInputStream(new ByteArrayInputStream(content), D, Path.of("/store/blob"));
    assertThat(bad.skip(3)).isEqualTo(3);
    while (bad.read() >= 0 && bad.available() > 0) {
      // read byte by byte to the last one
    }
    assertThatThrownBy(bad::read)
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("blob " + D + " is corrupt")
        .hasMessageContaining("/store/blob");
  }
}
