package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import dev.kiln.model.Ordered;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** An OCI content descriptor: what a blob is, its digest and size, and annotations. */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Map<String, String> annotations,
    Optional<String> artifactType) {
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public Descriptor {
    annotations = Ordered.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), Optional.empty());
  }

  public Descriptor withAnnotations(Map<String, String> annotations) {
    return new Descriptor(mediaType, digest, size, annotations, artifactType);
  }

  public Descriptor withArtifactType(Optional<String> artifactType) {
    return new Descriptor(mediaType, digest, size, annotations, artifactType);
  }

  public Optional<String> refName() {
    return Optional.ofNullable(annotations.get(REF_NAME));
  }

  /** Fields in the order of the OCI spec's examples; annotations sorted by key. */
  public ObjectNode toJson() {
    ObjectNode node = Json.object();
    node.put("mediaType", mediaType);
    node.put("digest", digest.toString());
    node.put("size", size);
    artifactType.ifPresent(t -> node.put("artifactType", t));
    if (!annotations.isEmpty()) {
      ObjectNode a = node.putObject("annotations");
      annotations.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> a.put(e.getKey(), e.getValue()));
    }
    return node;
  }

  public static Descriptor fromJson(JsonNode node, String where) {
    JsonNode mediaType = node.get("mediaType");
    JsonNode digest = node.get("digest");
    JsonNode size = node.get("size");
    if (mediaType == null || digest == null || size == null || !size.canConvertToLong()) {
      throw new ImageException(where + ": descriptor lacks mediaType, digest or size: " + node);
    }
    Digest d;
    try {
      d = Digest.parse(digest.asText());
    } catch (IllegalArgumentException e) {
      throw new ImageException(where + ": " + e.getMessage());
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode a = node.get("annotations");
    if (a != null)
      a.fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    Optional<String> artifactType =
        Optional.ofNullable(node.get("artifactType")).map(JsonNode::asText);
    return new Descriptor(mediaType.asText(), d, size.asLong(), annotations, artifactType);
  }
}
