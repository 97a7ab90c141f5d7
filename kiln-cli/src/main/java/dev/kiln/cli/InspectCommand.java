package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.ImageException;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.image.Sbom;
import dev.kiln.image.SbomSummary;
import dev.kiln.image.StoredImage;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln inspect IMAGE}: manifest, config, layers, signature and SBOM summary of one image.
 */
@Command(
    name = "inspect",
    description = {
      "Show an image (a name, sha256:digest or a digest prefix): its digest, provenance, signature,",
      "config (entrypoint, env, ports...), layers and a summary of its SBOM."
    })
public final class InspectCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or digest.")
  String image;

  @Option(names = "--sbom", description = "Print the full CycloneDX SBOM (JSON) instead.")
  boolean sbom;

  static Descriptor find(ImageStore store, String ref) {
    return store
        .resolve(ref)
        .orElseThrow(
            () ->
                new ImageException(
                    "no image '"
                        + ref
                        + "' in "
                        + store.dir()
                        + "; `kiln images` lists the names, or give a digest"
                        + " (at least 12 hex characters)"));
  }

  @Override
  public Integer call() {
    ImageStore store = home.requireStore();
    Descriptor d = find(store, image);
    if (StoredImage.check(store, image, d) instanceof StoredImage.Damaged damaged) {
      throw new ImageException(damaged.message());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (sbom) {
      SbomSummary s = Sbom.summary(store, d.digest());
      ImageManifest artifact = store.manifest(s.sbom().digest());
      out.println(Json.pretty(Json.parse(store.read(artifact.layers().get(0).digest()), "SBOM")));
      out.flush();
      return 0;
    }
    ImageManifest m = store.manifest(d.digest());
    ImageConfig c = store.config(m);
    ImageFacts facts = ImageFacts.of(store, d.digest(), ImageFacts.trustedKey(home.keys()));
    Optional<SbomSummary> summary = Sbom.find(store, d.digest());
    if (output.json()) {
      ObjectNode o = Json.object();
      o.put("image", image);
      o.put("digest", d.digest().toString());
      o.put("size", facts.size());
      o.put("createdFrom", facts.createdFrom());
      o.put("signed", facts.signed());
      o.set("manifest", Json.parse(store.read(d.digest()), "manifest"));
      o.set("config", Json.parse(store.read(m.config().digest()), "config"));
      summary.ifPresent(
          s -> {
            ObjectNode so = o.putObject("sbom");
            so.put("digest", s.sbom().digest().toString());
            so.put("files", s.fileCount());
            so.put("packages", s.packageCount());
            ArrayNode top = so.putArray("topLevel");
            s.topLevel().forEach(top::add);
          });
      out.println(Json.pretty(o));
    } else {
      text(out, d, m, c, facts, summary);
    }
    out.flush();
    return 0;
  }

  private void text(
      PrintWriter out,
      Descriptor d,
      ImageManifest m,
      ImageConfig c,
      ImageFacts facts,
      Optional<SbomSummary> summary) {
    out.println("image:        " + image);
    out.println("digest:       " + d.digest());
    out.println(
        "size:         "
            + ImageFacts.human(facts.size())
            + " ("
            + m.layers().size()
            + (m.layers().size() == 1 ? " layer)" : " layers)"));
    out.println("created:      " + c.created());
    out.println("created from: " + facts.createdFrom());
    Optional.ofNullable(m.annotations().get(ImageFacts.BLUEPRINT_DIGEST))
        .ifPresent(b -> out.println("blueprint:    " + b));
    out.println("signed:       " + facts.signed());
    out.println("platform:     " + c.os() + "/" + c.architecture());
    out.println("config:");
    line(out, "entrypoint", c.entrypoint().isEmpty() ? "" : jsonList(c.entrypoint()));
    line(out, "cmd", c.cmd().isEmpty() ? "" : jsonList(c.cmd()));
    line(out, "workdir", c.workdir().orElse(""));
    line(out, "user", c.user().orElse(""));
    line(out, "ports", String.join(", ", c.exposedPorts().stream().map(p -> p + "/tcp").toList()));
    c.env().forEach(e -> line(out, "env", e));
    c.labels().forEach((k, v) -> line(out, "label", k + "=" + v));
    out.println("layers:");
    for (int i = 0; i < m.layers().size(); i++) {
      Descriptor l = m.layers().get(i);
      String history = i < c.history().size() ? "  " + c.history().get(i) : "";
      out.printf(
          "  %s  %9s  %s%s%n",
          l.digest(), ImageFacts.human(l.size()), shortType(l.mediaType()), history);
    }
    if (!m.annotations().isEmpty()) {
      out.println("annotations:");
      for (Map.Entry<String, String> a : m.annotations().entrySet())
        out.println("  " + a.getKey() + "=" + a.getValue());
    }
    if (summary.isPresent()) {
      SbomSummary s = summary.get();
      out.println(
          "sbom:         "
              + s.fileCount()
              + " files, "
              + s.packageCount()
              + " packages ("
              + s.sbom().digest().shortHex()
              + "; full list: kiln inspect "
              + image
              + " --sbom)");
      out.println("top level:    " + String.join(" ", s.topLevel()));
    } else {
      out.println("sbom:         none");
    }
  }

  private static String jsonList(List<String> values) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    values.forEach(a::add);
    return a.toString();
  }

  private static void line(PrintWriter out, String key, String value) {
    if (!value.isEmpty()) out.printf("  %-11s %s%n", key + ":", value);
  }

  private static String shortType(String mediaType) {
    return mediaType.endsWith("gzip") ? "tar+gzip" : mediaType.endsWith("tar") ? "tar" : mediaType;
  }
}
