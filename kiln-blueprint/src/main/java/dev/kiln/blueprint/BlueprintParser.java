package dev.kiln.blueprint;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.Environment;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.Location;
import dev.kiln.model.Policy;
import dev.kiln.model.ServiceSpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a {@code kiln.yaml} into a {@link Blueprint}, or throws a {@link BlueprintException}
 * listing every problem of the file, including (for a file) everything {@link BlueprintFolder} says
 * the baker would refuse. Every input is held to {@link BlueprintLimits} before it is parsed.
 */
public final class BlueprintParser {
  static final List<String> KEYS =
      List.of("images", "services", "policy", "environments", "notify", "secrets");

  private BlueprintParser() {}

  public static Blueprint parse(Path file) {
    byte[] bytes = BlueprintFile.read(file);
    String content;
    try {
      content =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw BlueprintFile.fail(file, "is not UTF-8 text", "save the blueprint as UTF-8");
    }
    return parse(file, content, bytes, true);
  }

  /**
   * Parses {@code content} as if read from {@code file} (which need not exist). Only the text is
   * checked: copy sources and {@code oci:}/{@code docker-archive:} bases are not looked for, since
   * a blueprint that travels as content has no folder here.
   */
  public static Blueprint parse(Path file, String content) {
    // Checked before encoding: a string can hold many times the limit.
    if (content.length() > BlueprintLimits.MAX_BYTES) {
      throw BlueprintFile.fail(
          file, BlueprintLimits.tooLarge(content.length()), BlueprintLimits.SIZE_HINT);
    }
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > BlueprintLimits.MAX_BYTES) {
      throw BlueprintFile.fail(
          file, BlueprintLimits.tooLarge(bytes.length), BlueprintLimits.SIZE_HINT);
    }
    return parse(file, content, bytes, false);
  }

  /**
   * @param checkFolder whether to check copy sources and file bases against the blueprint's folder
   *     ({@link BlueprintFolder}), as the baker will
   */
  private static Blueprint parse(Path file, String content, byte[] bytes, boolean checkFolder) {
    Problems problems = new Problems(file);
    Optional<Node> root = compose(content, problems);
    Map<String, ImageRecipe> images = new LinkedHashMap<>();
    Map<String, ServiceSpec> services = new LinkedHashMap<>();
    Policy policy = Policy.none();
    Map<String, Environment> environments = Map.of();
    List<dev.kiln.model.Notify> notify = List.of();
    if (root.isPresent()) {
      TreeCheck.check(root.get(), problems);
      read(root.get(), file, checkFolder, problems, images, services);
      policy = PolicyReader.read(root.get(), problems);
      environments = environments(root.get(), problems, services);
      notify = NotifyReader.read(root.get(), problems);
    } else if (problems.count() == 0) {
      problems.add(
          new Location(file, 1, 1),
          "the blueprint is empty",
          "declare images: and services:, e.g. images: { hello: { from: scratch } }");
    }
    if (problems.count() > 0) throw new BlueprintException(problems.sorted());
    return new Blueprint(file, Digest.of(bytes), images, services, policy, environments, notify);
  }

  /** The top-level {@code environments:}, read against the services read before it. */
  private static Map<String, Environment> environments(
      Node root, Problems problems, Map<String, ServiceSpec> services) {
    if (!(root instanceof MappingNode top)) return Map.of();
    Set<String> declared = new LinkedHashSet<>();
    Node environments = null;
    for (NodeTuple t : top.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) continue;
      if (k.getValue().equals("environments")) environments = t.getValueNode();
      if (k.getValue().equals("services") && t.getValueNode() instanceof MappingNode m) {
        for (NodeTuple s : m.getValue())
          if (s.getKeyNode() instanceof ScalarNode name) declared.add(name.getValue());
      }
    }
    if (environments == null) return Map.of();
    return new EnvironmentReader(new Values(problems), services, declared).read(environments);
  }

  private static Optional<Node> compose(String content, Problems problems) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(problems.file().toString())
            .setSchema(new CoreSchema())
            .setMaxAliasesForCollections(BlueprintLimits.MAX_ALIASES)
            .setCodePointLimit(BlueprintLimits.MAX_BYTES)
            // The whole text in one buffer: with the default 1 KiB one, the reader copies its
            // window on every refill, which makes a long scalar cost quadratic time.
            .setBufferSize(content.length() + 1)
            .build();
    Parser parser =
        new DepthLimitedParser(
            new ParserImpl(settings, new StreamReader(settings, content)),
            BlueprintLimits.MAX_DEPTH);
    try {
      return new Composer(settings, parser).getSingleNode();
    } catch (DepthLimitedParser.TooDeep e) {
      problems.add(
          e.mark().map(problems::at).orElse(new Location(problems.file(), 1, 1)),
          "nested more than " + BlueprintLimits.MAX_DEPTH + " levels deep, so it was not parsed",
          "a blueprint needs a handful of levels; look for unbalanced [ or {");
    } catch (MarkedYamlEngineException e) {
      Location at =
          e.getProblemMark()
              .or(e::getContextMark)
              .map(problems::at)
              .orElse(new Location(problems.file(), 1, 1));
      String context = e.getContext() == null ? "" : e.getContext() + ": ";
      problems.add(at, "YAML syntax: " + context + e.getProblem(), "");
    } catch (YamlEngineException e) {
      problems.add(new Location(problems.file(), 1, 1), "YAML: " + e.getMessage(), "");
    }
    return Optional.empty();
  }

  private static void read(
      Node root,
      Path file,
      boolean checkFolder,
      Problems problems,
      Map<String, ImageRecipe> images,
      Map<String, ServiceSpec> services) {
    Values values = new Values(problems);
    Optional<Fields> top = Fields.read(root, "blueprint", KEYS, values, true);
    if (top.isEmpty()) return;
    List<Values.Entry> imageEntries =
        top.get().get("images").flatMap(n -> values.entries(n, "images")).orElse(List.of());
    List<Values.Entry> serviceEntries =
        top.get().get("services").flatMap(n -> values.entries(n, "services")).orElse(List.of());
    Set<String> imageNames = new LinkedHashSet<>();
    imageEntries.forEach(e -> imageNames.add(e.key()));
    References references = new References(imageNames, problems);
    Path folder = file.toAbsolutePath().getParent();
    ImageReader imageReader =
        new ImageReader(values, folder == null ? Path.of("/") : folder, checkFolder, references);
    for (Values.Entry e : imageEntries) imageReader.read(e).ifPresent(r -> images.put(r.name(), r));
    ServiceReader serviceReader = new ServiceReader(values, references);
    for (Values.Entry e : serviceEntries)
      serviceReader.read(e).ifPresent(s -> services.put(s.name(), s));
    references.checkCycles();
  }
}
