package dev.kiln.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code /metrics} for several routers: the server's own router's exposition text as it is, and
 * each environment router's samples labelled {@code env="NAME"} under the same metric family. The
 * text format allows a family's {@code # HELP}/{@code # TYPE} once, so the families are merged
 * rather than the texts concatenated (which Prometheus rejects as a duplicate family). Pure.
 */
final class PrometheusMerge {
  private PrometheusMerge() {}

  /** A metric family: its comment lines and its samples, in order. */
  private record Family(List<String> header, List<String> samples) {}

  /**
   * @param main the server's own router's text, kept unlabelled (as before environments)
   * @param byEnvironment each environment router's text, by environment name
   */
  static String merge(String main, Map<String, String> byEnvironment) {
    Map<String, Family> families = new LinkedHashMap<>();
    add(families, main, "");
    byEnvironment.forEach((env, text) -> add(families, text, env));
    StringBuilder out = new StringBuilder();
    for (Family f : families.values()) {
      f.header().forEach(l -> out.append(l).append('\n'));
      f.samples().forEach(l -> out.append(l).append('\n'));
    }
    return out.toString();
  }

  private static void add(Map<String, Family> families, String text, String env) {
    // a sample belongs to the family of the last # TYPE / # HELP before it (histograms' _bucket,
    // _sum and _count included); samples before any comment are a family of their own
    String current = "";
    for (String line : text.split("\n")) {
      if (line.isBlank()) continue;
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String name = line.substring(7).split(" ", 2)[0];
        current = name;
        Family f =
            families.computeIfAbsent(name, n -> new Family(new ArrayList<>(), new ArrayList<>()));
        if (!f.header().contains(line)) f.header().add(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      families
          .computeIfAbsent(current, n -> new Family(new ArrayList<>(), new ArrayList<>()))
          .samples()
          .add(env.isEmpty() ? line : labelled(line, env));
    }
  }

  /**
   * {@code name{a="b"} 1} → {@code name{env="E",a="b"} 1}; {@code name 1} → {@code name{env="E"}
   * 1}.
   */
  static String labelled(String sample, String env) {
    int brace = sample.indexOf('{');
    int space = sample.indexOf(' ');
    String label = "env=\"" + env + "\"";
    if (brace >= 0 && (space < 0 || brace < space)) {
      boolean empty = sample.charAt(brace + 1) == '}';
      return sample.substring(0, brace + 1)
          + label
          + (empty ? "" : ",")
          + sample.substring(brace + 1);
    }
    if (space < 0) return sample;
    return sample.substring(0, space) + "{" + label + "}" + sample.substring(space);
  }
}
