package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Ordered;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image manifest. Also used for OCI 1.1 artifacts (signature, SBOM): those carry an {@code
 * artifactType} and a {@code subject} pointing at the image they describe.
 */
public record ImageManifest(
    Descriptor config,
    List<Descriptor> layers,
    Map<String, String> annotations,
    Optional<String> artifactType,
    Optional<Descriptor> subject) {
  public ImageManifest {
    layers = List.copyOf(layers);
    annotations = Ordered.copyOf(annotations);
  }

  public ImageManifest(Descriptor config, List<Descriptor> layers) {
    this(config, layers, Map.of(), Optional.empty(), Optional.empty());
  }

  public byte[] toBytes() {
    ObjectNode node = Json.object();
    node.put("schemaVersion", 2);
    node.put("mediaType", MediaTypes.MANIFEST);
    artifactType.ifPresent(t -> node.put("artifactType", t));
    node.set("config", config.toJson());
    ArrayNode array = node.putArray("layers");
    layers.forEach(l -> array.add(l.toJson()));
    subject.ifPresent(s -> node.set("subject", s.toJson()));
    if (!annotations.isEmpty()) {
      ObjectNode a = node.putObject("annotations");
      annotations.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> a.put(e.getKey(), e.getValue()));
    }
    return Json.bytes(node);
  }

  public static ImageManifest parse(byte[] content, String where) {
    JsonNode node = Json.parse(content, where);
    String mediaType = node.path("mediaType").asText(MediaTypes.MANIFEST);
    if (!mediaType.equals(MediaTypes.MANIFEST) && !mediaType.equals(MediaTypes.DOCKER_MANIFEST)) {
      throw new ImageException(where + ": not an image manifest (mediaType " + mediaType + ")");
    }
    if (!node.has("config") || !node.path("layers").isArray()) {
      throw new ImageException(where + ": manifest lacks config or layers");
    }
    List<Descriptor> layers = new ArrayList<>();
    node.get("layers").forEach(l -> layers.add(Descriptor.fromJson(l, where + " layer")));
    Map<String, String> annotations = new LinkedHashMap<>();
    node.path("annotations")
        .fields()
        .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return new ImageManifest(
        Descriptor.fromJson(node.get("config"), where + " config"),
        layers,
        annotations,
        Optional.ofNullable(node.get("artifactType")).map(JsonNode::asText),
        Optional.ofNullable(node.get("subject"))
            .map(s -> Descriptor.fromJson(s, where + " subject")));
  }
}
