package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.BlueprintRequest;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.BakerEvent;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.KilnException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The blueprint as the CLI sends it: read here, where its files are, and its images baked here —
 * the server opens no path a client names. Baking goes through the layer cache, so an image whose
 * inputs did not change costs a cache lookup per step, and an edited copy source is rebaked before
 * the plan is made: the blueprint is the one source of truth.
 */
final class LocalBlueprint {
  /** The server takes 4 MiB per request; the blueprint leaves room for the JSON around it. */
  static final long MAX_BYTES = 3L * 1024 * 1024;

  /** What the CLI found out about one image before sending the blueprint. */
  record ImageNote(String image, String text) {}

  /** The parsed blueprint, the request plan and apply send (issue 8's record), and the notes. */
  record Prepared(Blueprint blueprint, BlueprintRequest request, List<ImageNote> notes) {
    /** The request as the JSON the API is sent. */
    ObjectNode body() {
      return ApiClient.tree(request);
    }
  }

  private LocalBlueprint() {}

  /** The blueprint's text and name, after checking here where the message can name the path. */
  static String read(Path file) {
    if (!Files.isRegularFile(file))
      throw new KilnException(file + ": no such file; create it, or point to it with -f <file>");
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES)
        throw new KilnException(
            file + ": " + size + " bytes; a blueprint is at most " + MAX_BYTES + " bytes");
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new KilnException(file + ": cannot read: " + e.getMessage());
    }
  }

  /**
   * Reads and checks the blueprint, then finds its services' images: baked (or rebaked where their
   * inputs changed) when {@code bake}, else as tagged now, refusing with what to bake when {@code
   * requireCurrent} and one is missing.
   */
  /** The layers of the image {@code manifest}; none when the store no longer has it. */
  private static Set<Digest> layers(ImageStore store, Digest manifest) {
    if (!store.has(manifest)) return Set.of();
    Set<Digest> layers = new HashSet<>();
    store.manifest(manifest).layers().forEach(l -> layers.add(l.digest()));
    return layers;
  }

  static Prepared prepare(Path file, Path home, boolean bake, boolean requireCurrent) {
    String text = read(file);
    Blueprint bp = BlueprintParser.parse(file.toAbsolutePath().normalize(), text);
    TreeSet<String> used = new TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    Map<String, Digest> images = new TreeMap<>();
    List<ImageNote> notes = new ArrayList<>();
    Optional<ImageStore> store =
        !used.isEmpty() && (Files.isRegularFile(home.resolve("images/index.json")) || bake)
            ? Optional.of(ImageStore.open(home.resolve("images")))
            : Optional.empty();
    Map<String, Digest> before = new TreeMap<>();
    store.ifPresent(s -> used.forEach(n -> s.resolve(n).ifPresent(d -> before.put(n, d.digest()))));
    List<String> unbuilt = used.stream().filter(u -> bp.image(u).isPresent()).toList();
    if (bake && !unbuilt.isEmpty()) {
      Map<String, List<BakerEvent.StepDone>> steps = new LinkedHashMap<>();
      BakeOptions options =
          BakeOptions.defaults()
              .withKeysDir(Optional.of(home.resolve("keys")))
              .withListener(
                  e -> {
                    if (e instanceof BakerEvent.StepDone d)
                      steps.computeIfAbsent(d.image(), k -> new ArrayList<>()).add(d);
                  });
      BakeResult baked =
          new Baker(store.orElseThrow(), home.resolve("cache"), options).bake(bp, unbuilt);
      for (BakeResult.BakedImage i : baked.images()) {
        Digest now = i.manifest().digest();
        images.put(i.name(), now);
        Digest was = before.get(i.name());
        if (was == null)
          notes.add(new ImageNote(i.name(), "baked " + now.shortHex() + " (was missing)"));
        else if (!was.equals(now))
          notes.add(
              new ImageNote(
                  i.name(),
                  "rebaked "
                      + was.shortHex()
                      + " -> "
                      + now.shortHex()
                      + RebakeReason.of(
                          steps.getOrDefault(i.name(), List.of()),
                          layers(store.orElseThrow(), was))));
      }
    }
    for (String u : used) {
      if (images.containsKey(u)) continue;
      if (before.containsKey(u)) images.put(u, before.get(u));
      else if (requireCurrent)
        throw new KilnException(
            "image "
                + u
                + " is not baked yet; bake it with `kiln bake -f "
                + file
                + " "
                + u
                + "` (or leave out --no-bake)");
      else notes.add(new ImageNote(u, "not baked yet; `kiln apply` bakes it"));
    }
    Path folder =
        java.util.Objects.requireNonNull(
            file.toAbsolutePath().normalize().getParent(), "a blueprint file is in a folder");
    Map<String, String> digests = new java.util.TreeMap<>();
    images.forEach((k, v) -> digests.put(k, v.toString()));
    Map<String, String> chains = certificates(bp, folder);
    // the request as the API's record (issue 8): the server reads the same names
    BlueprintRequest request =
        new BlueprintRequest(
            text,
            file.getFileName().toString(),
            folder != null && folder.getFileName() != null ? folder.getFileName().toString() : null,
            digests,
            folder != null ? gitCommit(folder).orElse(null) : null,
            chains.isEmpty() ? null : chains);
    return new Prepared(bp, request, notes);
  }

  /** A PEM chain is a few KiB; the server refuses more than this. */
  static final long MAX_CERTIFICATE_BYTES = 64 * 1024;

  /**
   * Each {@code route.tls.cert} file's content, keyed as the blueprint writes it: the server may be
   * on another host, and it opens no path a client names. The key stays a secret on the server.
   */
  static Map<String, String> certificates(Blueprint bp, Path folder) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (var s : bp.services().values()) {
      var tls = s.route().flatMap(r -> r.tls());
      if (tls.isEmpty() || out.containsKey(tls.get().cert())) continue;
      Path file = (folder == null ? Path.of(".") : folder).resolve(tls.get().cert());
      String where = tls.get().certAt() + ": service " + s.name() + ": certificate " + file;
      try {
        if (Files.size(file) > MAX_CERTIFICATE_BYTES)
          throw new KilnException(
              where + ": larger than " + MAX_CERTIFICATE_BYTES + " bytes; is it a PEM chain?");
        out.put(tls.get().cert(), Files.readString(file, StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new KilnException(
            where
                + ": cannot read it ("
                + e.getMessage()
                + "); the path is relative to the"
                + " blueprint's folder");
      }
    }
    return out;
  }

  private static Optional<String> gitCommit(Path folder) {
    try {
      Process p =
          new ProcessBuilder("git", "-C", folder.toString(), "rev-parse", "HEAD")
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.exitValue() == 0 && out.matches("[0-9a-f]{40}")
          ? Optional.of(out)
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
