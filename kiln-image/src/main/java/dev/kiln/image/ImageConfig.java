package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import dev.kiln.model.Ordered;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OCI image config: what a runtime needs to start the image, and the diff ids (digests of the
 * uncompressed layers) that tie the config to its layers.
 *
 * @param env in {@code KEY=value} form, in order
 * @param history one created-by line per layer, for {@code kiln inspect}
 */
public record ImageConfig(
    String architecture,
    String os,
    Instant created,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    Optional<String> workdir,
    Optional<String> user,
    List<Integer> exposedPorts,
    Map<String, String> labels,
    List<Digest> diffIds,
    List<String> history) {
  public ImageConfig {
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    exposedPorts = List.copyOf(exposedPorts);
    labels = Ordered.copyOf(labels);
    diffIds = List.copyOf(diffIds);
    history = List.copyOf(history);
  }

  public static ImageConfig empty(Instant created) {
    return new ImageConfig(
        "amd64",
        "linux",
        created,
        List.of(),
        List.of(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Map.of(),
        List.of(),
        List.of());
  }

  public byte[] toBytes() {
    ObjectNode node = Json.object();
    node.put("created", created.toString());
    node.put("architecture", architecture);
    node.put("os", os);
    ObjectNode config = node.putObject("config");
    if (user.isPresent()) config.put("User", user.get());
    if (!exposedPorts.isEmpty()) {
      ObjectNode ports = config.putObject("ExposedPorts");
      exposedPorts.stream().sorted().forEach(p -> ports.putObject(p + "/tcp"));
    }
    if (!env.isEmpty()) strings(config.putArray("Env"), env);
    if (!entrypoint.isEmpty()) strings(config.putArray("Entrypoint"), entrypoint);
    if (!cmd.isEmpty()) strings(config.putArray("Cmd"), cmd);
    if (workdir.isPresent()) config.put("WorkingDir", workdir.get());
    if (!labels.isEmpty()) {
      ObjectNode l = config.putObject("Labels");
      labels.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> l.put(e.getKey(), e.getValue()));
    }
    ObjectNode rootfs = node.putObject("rootfs");
    rootfs.put("type", "layers");
    strings(rootfs.putArray("diff_ids"), diffIds.stream().map(Digest::toString).toList());
    ArrayNode h = node.putArray("history");
    for (String line : history) {
      ObjectNode entry = h.addObject();
      entry.put("created", created.toString());
      entry.put("created_by", line);
    }
    return Json.bytes(node);
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  public static ImageConfig parse(byte[] content, String where) {
    JsonNode node = Json.parse(content, where);
    JsonNode config = node.path("config");
    List<Integer> ports = new ArrayList<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(p -> ports.add(port(p)));
    Map<String, String> labels = new LinkedHashMap<>();
    config
        .path("Labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode d : node.path("rootfs").path("diff_ids")) {
      try {
        diffIds.add(Digest.parse(d.asText()));
      } catch (IllegalArgumentException e) {
        throw new ImageException(where + ": bad diff_id: " + e.getMessage());
      }
    }
    List<String> history = new ArrayList<>();
    for (JsonNode h : node.path("history")) {
      if (!h.path("empty_layer").asBoolean(false)) history.add(h.path("created_by").asText(""));
    }
    Instant created;
    try {
      created = node.has("created") ? Instant.parse(node.get("created").asText()) : Instant.EPOCH;
    } catch (RuntimeException e) {
      created = Instant.EPOCH;
    }
    return new ImageConfig(
        node.path("architecture").asText("amd64"),
        node.path("os").asText("linux"),
        created,
        texts(config.path("Env")),
        texts(config.path("Entrypoint")),
        texts(config.path("Cmd")),
        optionalText(config, "WorkingDir"),
        optionalText(config, "User"),
        ports,
        labels,
        diffIds,
        history);
  }

  private static int port(String spec) {
    int slash = spec.indexOf('/');
    try {
      return Integer.parseInt(slash < 0 ? spec : spec.substring(0, slash));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Optional<String> optionalText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.asText().isEmpty() ? Optional.empty() : Optional.of(v.asText());
  }
}
