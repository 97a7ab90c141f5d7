package dev.kiln.scan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One OSV record (https://ossf.github.io/osv-schema/) → an {@link Advisory} with its Debian
 * entries. Entries of other ecosystems are left out (an OSV file may list several). A malformed
 * part is skipped with a warning naming its JSON path; the rest of the record still counts, except
 * that a range with one bad version is dropped whole, because without its "fixed" event it would
 * claim every later version affected.
 */
final class OsvReader {
  private final String file;
  private final List<ScanWarning> warnings;

  OsvReader(String file, List<ScanWarning> warnings) {
    this.file = file;
    this.warnings = warnings;
  }

  Optional<Advisory> read(JsonNode osv) {
    JsonNode id = osv.path("id");
    if (!id.isTextual() || id.asText().isBlank()) return warn("$.id", "missing or not a string");
    if (osv.hasNonNull("withdrawn")) return Optional.empty(); // retracted by its publisher
    List<String> aliases = new ArrayList<>();
    JsonNode a = osv.path("aliases");
    if (!a.isMissingNode() && !a.isNull() && !a.isArray()) warn("$.aliases", "not an array");
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).isTextual()) aliases.add(a.get(i).asText());
      else warn("$.aliases[" + i + "]", "not a string");
    }
    String summary = osv.path("summary").asText(osv.path("details").asText(""));
    List<Affected> affected = new ArrayList<>();
    JsonNode af = osv.path("affected");
    if (!af.isMissingNode() && !af.isArray()) return warn("$.affected", "not an array");
    for (int i = 0; i < af.size(); i++) affected(af.get(i), "$.affected[" + i + "]", affected);
    if (affected.isEmpty()) return Optional.empty();
    return Optional.of(
        new Advisory(
            id.asText(),
            aliases,
            summary.length() > 300 ? summary.substring(0, 300) + "…" : summary,
            severity(osv),
            file,
            affected));
  }

  private void affected(JsonNode node, String path, List<Affected> out) {
    JsonNode pkg = node.path("package");
    String ecosystem = pkg.path("ecosystem").asText("");
    if (!ecosystem.equals("Debian") && !ecosystem.startsWith("Debian:")) return;
    String name = pkg.path("name").asText("");
    if (name.isBlank()) {
      warn(path + ".package.name", "missing");
      return;
    }
    String release = ecosystem.equals("Debian") ? "" : ecosystem.substring("Debian:".length());
    int warned = warnings.size(); // one warning per problem: no summary after a located one
    List<List<Affected.Event>> ranges = new ArrayList<>();
    JsonNode rs = node.path("ranges");
    for (int r = 0; r < rs.size(); r++) {
      JsonNode range = rs.get(r);
      String rpath = path + ".ranges[" + r + "]";
      if (!range.path("type").asText().equals("ECOSYSTEM")) continue; // GIT ranges: not versions
      range(range.path("events"), rpath + ".events").ifPresent(ranges::add);
    }
    List<DebianVersion> versions = new ArrayList<>();
    JsonNode vs = node.path("versions");
    for (int v = 0; v < vs.size(); v++)
      version(vs.get(v), path + ".versions[" + v + "]", "; the version is skipped")
          .ifPresent(versions::add);
    if (ranges.isEmpty() && versions.isEmpty()) {
      if (warnings.size() == warned)
        warn(path, "no usable ECOSYSTEM range or version; the entry is skipped");
      return;
    }
    Optional<Severity> urgency =
        Optional.of(node.path("ecosystem_specific").path("urgency").asText(""))
            .filter(u -> !u.isBlank())
            .map(Severity::ofDebianUrgency)
            .filter(s -> s != Severity.UNKNOWN);
    out.add(new Affected(release, name, ranges, versions, urgency));
  }

  private Optional<List<Affected.Event>> range(JsonNode events, String path) {
    if (!events.isArray() || events.isEmpty()) {
      warn(path, "missing or empty; the range is skipped");
      return Optional.empty();
    }
    List<Affected.Event> out = new ArrayList<>();
    for (int e = 0; e < events.size(); e++) {
      JsonNode ev = events.get(e);
      String epath = path + "[" + e + "]";
      if (ev.has("introduced") && ev.path("introduced").asText().equals("0")) {
        out.add(Affected.Event.introducedAtStart());
        continue;
      }
      Affected.Event.Kind kind = null;
      String key = null;
      for (Affected.Event.Kind k : Affected.Event.Kind.values()) {
        String field = k.name().toLowerCase();
        if (ev.has(field)) {
          kind = k;
          key = field;
        }
      }
      if (kind == null) {
        return warn(epath, "no introduced, fixed, last_affected or limit; the range is skipped");
      }
      Optional<DebianVersion> v = version(ev.get(key), epath + "." + key, "; the range is skipped");
      if (v.isEmpty()) return Optional.empty();
      out.add(Affected.Event.of(kind, v.get()));
    }
    return Optional.of(out);
  }

  private Optional<DebianVersion> version(JsonNode node, String path, String consequence) {
    if (!node.isTextual()) return warn(path, "not a string" + consequence);
    try {
      return Optional.of(DebianVersion.parse(node.asText()));
    } catch (IllegalArgumentException e) {
      return warn(path, e.getMessage() + consequence);
    }
  }

  /** database_specific.severity (a word), else the highest CVSS base score in severity[]. */
  private Severity severity(JsonNode osv) {
    Optional<Severity> word =
        Severity.ofWord(osv.path("database_specific").path("severity").asText(""));
    if (word.isPresent()) return word.get();
    Severity best = Severity.UNKNOWN;
    JsonNode list = osv.path("severity");
    for (int i = 0; i < list.size(); i++) {
      Optional<Double> score = Cvss.baseScore(list.get(i).path("score").asText(""));
      if (score.isPresent()) {
        Severity s = Severity.ofScore(score.get());
        if (s.compareTo(best) > 0) best = s;
      }
    }
    return best;
  }

  private <T> Optional<T> warn(String path, String message) {
    warnings.add(new ScanWarning(file, path, message));
    return Optional.empty();
  }
}
