package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.image.StoredImage;
import dev.kiln.model.KilnException;
import java.io.PrintWriter;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kiln images}: the tagged images of the store, with size, provenance and signature. */
@Command(
    name = "images",
    description = {
      "List the images in the image store ($KILN_HOME/images): name, digest, size, what they were",
      "created from, and whether they are signed by this host's key. A damaged image is listed as",
      "DAMAGED, with the reason on stderr, and the exit status is then 1."
    })
public final class ImagesCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<ImageStore> store = home.existingStore();
    List<Row> rows = new ArrayList<>();
    if (store.isPresent()) {
      Optional<PublicKey> trusted = ImageFacts.trustedKey(home.keys());
      for (StoredImage image : store.get().images()) rows.add(row(store.get(), image, trusted));
    }
    if (output.json()) {
      ArrayNode array = Json.MAPPER.createArrayNode();
      for (Row r : rows) {
        ObjectNode o = array.addObject();
        o.put("name", r.name());
        switch (r) {
          case Row.Listed l -> {
            o.put("digest", l.facts().digest().toString());
            o.put("size", l.facts().size());
            o.put("createdFrom", l.facts().createdFrom());
            o.put("signed", l.facts().signed());
            o.put("state", "ok");
          }
          case Row.Damaged d -> {
            o.put("digest", d.image().manifest().digest().toString());
            o.put("state", "damaged");
            o.put("problem", d.image().reason());
          }
        }
      }
      out.println(Json.pretty(array));
    } else if (rows.isEmpty()) {
      out.println("no images in " + home.images() + "; bake one with `kiln bake`");
    } else {
      out.print(table(rows));
    }
    out.flush();
    List<Row.Damaged> damaged =
        rows.stream().filter(Row.Damaged.class::isInstance).map(Row.Damaged.class::cast).toList();
    for (Row.Damaged d : damaged) {
      err.println(d.image().message());
    }
    err.flush();
    return damaged.isEmpty() ? 0 : 1;
  }

  /** A damaged image is a row too: named, with the reason, beside the images that are fine. */
  private static Row row(ImageStore store, StoredImage image, Optional<PublicKey> trusted) {
    return switch (image) {
      case StoredImage.Damaged d -> new Row.Damaged(d);
      case StoredImage.Readable r -> {
        try {
          yield new Row.Listed(r.name(), ImageFacts.of(store, r.manifest().digest(), trusted));
        } catch (KilnException e) {
          // Its signature or SBOM artifacts are unreadable: still this image's problem alone.
          yield new Row.Damaged(new StoredImage.Damaged(r.name(), r.manifest(), e.getMessage()));
        }
      }
    };
  }

  sealed interface Row {
    String name();

    record Listed(String name, ImageFacts facts) implements Row {}

    record Damaged(StoredImage.Damaged image) implements Row {
      @Override
      public String name() {
        return image.name();
      }
    }
  }

  static String table(List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"NAME", "DIGEST", "SIZE", "CREATED FROM", "SIGNED"});
    for (Row r : rows) {
      cells.add(
          switch (r) {
            case Row.Listed l ->
                new String[] {
                  l.name(),
                  "sha256:" + l.facts().digest().shortHex(),
                  ImageFacts.human(l.facts().size()),
                  l.facts().createdFrom(),
                  l.facts().signed()
                };
            case Row.Damaged d ->
                new String[] {
                  d.name(),
                  "sha256:" + d.image().manifest().digest().shortHex(),
                  "-",
                  "-",
                  "DAMAGED"
                };
          });
    }
    int[] widths = new int[5];
    for (String[] row : cells)
      for (int i = 0; i < 4; i++) widths[i] = Math.max(widths[i], row[i].length());
    StringBuilder b = new StringBuilder();
    for (String[] row : cells) {
      for (int i = 0; i < 4; i++) b.append(String.format("%-" + widths[i] + "s   ", row[i]));
      b.append(row[4]).append('\n');
    }
    return b.toString();
  }
}
