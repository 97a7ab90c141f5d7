package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
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
      "created from, and whether they are signed by this host's key."
    })
public final class ImagesCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Optional<ImageStore> store = home.existingStore();
    List<Row> rows = new ArrayList<>();
    if (store.isPresent()) {
      Optional<PublicKey> trusted = ImageFacts.trustedKey(home.keys());
      for (Descriptor d : store.get().tagged()) {
        rows.add(
            new Row(d.refName().orElseThrow(), ImageFacts.of(store.get(), d.digest(), trusted)));
      }
    }
    if (output.json()) {
      ArrayNode array = Json.MAPPER.createArrayNode();
      for (Row r : rows) {
        ObjectNode o = array.addObject();
        o.put("name", r.name());
        o.put("digest", r.facts().digest().toString());
        o.put("size", r.facts().size());
        o.put("createdFrom", r.facts().createdFrom());
        o.put("signed", r.facts().signed());
      }
      out.println(Json.pretty(array));
    } else if (rows.isEmpty()) {
      out.println("no images in " + home.images() + "; bake one with `kiln bake`");
    } else {
      out.print(table(rows));
    }
    out.flush();
    return 0;
  }

  record Row(String name, ImageFacts facts) {}

  static String table(List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"NAME", "DIGEST", "SIZE", "CREATED FROM", "SIGNED"});
    for (Row r : rows) {
      cells.add(
          new String[] {
            r.name(),
            "sha256:" + r.facts().digest().shortHex(),
            ImageFacts.human(r.facts().size()),
            r.facts().createdFrom(),
            r.facts().signed()
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
