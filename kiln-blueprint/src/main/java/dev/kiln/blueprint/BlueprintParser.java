package dev.kiln.blueprint;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.Location;
import dev.kiln.model.ServiceSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads a {@code kiln.yaml} into a {@link Blueprint}, or throws a {@link BlueprintException}
 * listing every problem of the file. Touches the filesystem only to read the file itself.
 */
public final class BlueprintParser {
  static final List<String> KEYS = List.of("images", "services");

  private BlueprintParser() {}

  public static Blueprint parse(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw fail(file, "no such file", "create it, or point to it with -f <file>");
    } catch (IOException e) {
      throw fail(file, "cannot read: " + e.getMessage(), "");
    }
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
      throw fail(file, "is not UTF-8 text", "save the blueprint as UTF-8");
    }
    return parse(file, content, bytes);
  }

  /** Parses {@code content} as if read from {@code file} (which need not exist). */
  public static Blueprint parse(Path file, String content) {
    return parse(file, content, content.getBytes(StandardCharsets.UTF_8));
  }

  private static Blueprint parse(Path file, String content, byte[] bytes) {
    Problems problems = new Problems(file);
    Optional<Node> root = compose(content, problems);
    Map<String, ImageRecipe> images = new LinkedHashMap<>();
    Map<String, ServiceSpec> services = new LinkedHashMap<>();
    if (root.isPresent()) {
      TreeCheck.check(root.get(), problems);
      read(root.get(), file, problems, images, services);
    } else if (problems.count() == 0) {
      problems.add(
          new Location(file, 1, 1),
          "the blueprint is empty",
          "declare images: and services:, e.g. images: { hello: { from: scratch } }");
    }
    if (problems.count() > 0) throw new BlueprintException(problems.sorted());
    return new Blueprint(file, Digest.of(bytes), images, services);
  }

  private static Optional<Node> compose(String content, Problems problems) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(problems.file().toString())
            .setSchema(new CoreSchema())
            .setMaxAliasesForCollections(50)
            .build();
    try {
      return new Compose(settings).composeString(content);
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
        new ImageReader(values, folder == null ? Path.of("/") : folder, references);
    for (Values.Entry e : imageEntries) imageReader.read(e).ifPresent(r -> images.put(r.name(), r));
    ServiceReader serviceReader = new ServiceReader(values, references);
    for (Values.Entry e : serviceEntries)
      serviceReader.read(e).ifPresent(s -> services.put(s.name(), s));
    references.checkCycles();
  }

  private static BlueprintException fail(Path file, String message, String hint) {
    return new BlueprintException(List.of(new Problem(new Location(file, 0, 0), message, hint)));
  }
}
