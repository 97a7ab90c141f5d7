package dev.kiln.scan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One source package of the Debian Security Tracker's JSON ({@code {package: {CVE: {description,
 * releases: {bookworm: {status, fixed_version, urgency, nodsa}}}}}}) → one {@link Advisory} per
 * CVE. Per release: {@code resolved} with a {@code fixed_version} is "introduced 0, fixed X" (a
 * fixed version {@code 0} means the release was never affected); {@code open} and {@code
 * undetermined} are affected with no fix yet.
 */
final class DebianTrackerReader {
  private final String file;
  private final List<ScanWarning> warnings;

  DebianTrackerReader(String file, List<ScanWarning> warnings) {
    this.file = file;
    this.warnings = warnings;
  }

  void read(String pkg, JsonNode cves, List<Advisory> out) {
    String path = "$['" + pkg + "']";
    if (!cves.isObject()) {
      warnings.add(new ScanWarning(file, path, "not an object of CVE entries"));
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = cves.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> cve = it.next();
      String cpath = path + "['" + cve.getKey() + "']";
      JsonNode releases = cve.getValue().path("releases");
      if (!releases.isObject()) {
        warnings.add(new ScanWarning(file, cpath + ".releases", "missing or not an object"));
        continue;
      }
      List<Affected> affected = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> r = releases.fields(); r.hasNext(); ) {
        Map.Entry<String, JsonNode> rel = r.next();
        release(pkg, rel.getKey(), rel.getValue(), cpath + ".releases." + rel.getKey())
            .ifPresent(affected::add);
      }
      if (affected.isEmpty()) continue;
      String description = cve.getValue().path("description").asText("");
      out.add(
          new Advisory(
              cve.getKey(),
              List.of(),
              description.length() > 300 ? description.substring(0, 300) + "…" : description,
              Severity.UNKNOWN,
              file,
              affected));
    }
  }

  private Optional<Affected> release(String pkg, String codename, JsonNode r, String path) {
    String status = r.path("status").asText("");
    Optional<Severity> urgency =
        Optional.of(Severity.ofDebianUrgency(r.path("urgency").asText("")));
    switch (status) {
      case "resolved" -> {
        JsonNode fixed = r.path("fixed_version");
        if (!fixed.isTextual()) {
          warnings.add(
              new ScanWarning(file, path + ".fixed_version", "missing for a resolved entry"));
          return Optional.empty();
        }
        if (fixed.asText().equals("0")) return Optional.empty(); // never affected
        try {
          DebianVersion v = DebianVersion.parse(fixed.asText());
          return Optional.of(
              new Affected(
                  codename,
                  pkg,
                  List.of(
                      List.of(
                          Affected.Event.introducedAtStart(),
                          Affected.Event.of(Affected.Event.Kind.FIXED, v))),
                  List.of(),
                  urgency));
        } catch (IllegalArgumentException e) {
          warnings.add(
              new ScanWarning(
                  file, path + ".fixed_version", Objects.toString(e.getMessage(), "invalid")));
          return Optional.empty();
        }
      }
      case "open", "undetermined" -> {
        return Optional.of(
            new Affected(
                codename,
                pkg,
                List.of(List.of(Affected.Event.introducedAtStart())),
                List.of(),
                urgency));
      }
      default -> {
        warnings.add(
            new ScanWarning(
                file, path + ".status", "'" + status + "' is not resolved, open or undetermined"));
        return Optional.empty();
      }
    }
  }
}
