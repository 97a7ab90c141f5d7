package dev.kiln.scan;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The advisories of an offline feed, indexed by Debian source package, with the warnings about what
 * could not be read. Loading never fails on a malformed file: the file (or the part of it) is
 * skipped and named in {@link #warnings()}. The feed's {@link #digest()} (of every file name and
 * content, in order) pins what a scan decision was made against.
 */
public final class AdvisoryDb {
  /** OSV's top-level fields: a JSON object starting with one of these is an OSV record. */
  private static final Set<String> OSV_FIELDS =
      Set.of(
          "schema_version",
          "id",
          "modified",
          "published",
          "withdrawn",
          "aliases",
          "related",
          "upstream",
          "summary",
          "details",
          "severity",
          "affected",
          "references",
          "credits",
          "database_specific");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, List<Advisory>> bySource;
  private final List<ScanWarning> warnings;
  private final int size;
  private final Digest digest;

  private AdvisoryDb(
      Map<String, List<Advisory>> bySource, List<ScanWarning> warnings, int size, Digest digest) {
    this.bySource = bySource;
    this.warnings = List.copyOf(warnings);
    this.size = size;
    this.digest = digest;
  }

  /** Advisories already in memory (tests, and callers that build feeds themselves). */
  public static AdvisoryDb of(List<Advisory> advisories) {
    return index(advisories, List.of(), Digest.of(new byte[0]));
  }

  /** Reads a directory, a zip or one JSON file of OSV records and/or tracker JSON. */
  public static AdvisoryDb load(Path path) {
    return load(path, FeedFiles.Limits.DEFAULT);
  }

  static AdvisoryDb load(Path path, FeedFiles.Limits limits) {
    List<ScanWarning> warnings = new ArrayList<>();
    List<Advisory> advisories = new ArrayList<>();
    MessageDigest sha = sha256();
    FeedFiles.read(
        path,
        limits,
        warnings,
        (name, bytes) -> {
          sha.update(name.getBytes(StandardCharsets.UTF_8));
          sha.update((byte) 0);
          sha.update(bytes);
          parse(name, bytes, warnings, advisories);
        });
    Digest digest = Digest.parse("sha256:" + HexFormat.of().formatHex(sha.digest()));
    return index(advisories, warnings, digest);
  }

  private static AdvisoryDb index(
      List<Advisory> advisories, List<ScanWarning> warnings, Digest digest) {
    Map<String, List<Advisory>> bySource = new HashMap<>();
    for (Advisory a : advisories) {
      a.affected().stream()
          .map(Affected::sourcePackage)
          .distinct()
          .forEach(p -> bySource.computeIfAbsent(p, k -> new ArrayList<>()).add(a));
    }
    return new AdvisoryDb(bySource, warnings, advisories.size(), digest);
  }

  /**
   * One file: an OSV record (an object whose first field is an OSV field), or the tracker's JSON
   * (an object of source packages), read package by package so that the ~70 MB file is never one
   * tree in memory.
   */
  private static void parse(
      String name, byte[] bytes, List<ScanWarning> warnings, List<Advisory> out) {
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        warnings.add(
            new ScanWarning(name, "$", "not a JSON object (an OSV record or tracker JSON)"));
        return;
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_OBJECT) return;
      if (OSV_FIELDS.contains(p.currentName())) {
        ObjectNode osv = JSON.createObjectNode();
        while (t == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          p.nextToken();
          osv.set(field, p.readValueAsTree());
          t = p.nextToken();
        }
        trailing(p);
        new OsvReader(name, warnings).read(osv).ifPresent(out::add);
      } else {
        DebianTrackerReader tracker = new DebianTrackerReader(name, warnings);
        while (t == JsonToken.FIELD_NAME) {
          String pkg = p.currentName();
          p.nextToken();
          JsonNode cves = p.readValueAsTree();
          tracker.read(pkg, cves, out);
          t = p.nextToken();
        }
        trailing(p);
      }
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      warnings.add(
          new ScanWarning(
              name,
              at == null ? "" : at.getLineNr() + ":" + at.getColumnNr(),
              "invalid JSON; the file is skipped from here: " + e.getOriginalMessage()));
    } catch (IOException e) {
      warnings.add(new ScanWarning(name, "", "unreadable: " + e.getMessage()));
    }
  }

  private static void trailing(JsonParser p) throws IOException {
    if (p.nextToken() != null)
      throw new com.fasterxml.jackson.core.JsonParseException(
          p, "content after the end of the JSON object");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The advisories about {@code sourcePackage}, in feed order. */
  public List<Advisory> forSource(String sourcePackage) {
    return bySource.getOrDefault(sourcePackage, List.of());
  }

  public List<ScanWarning> warnings() {
    return warnings;
  }

  /** How many advisories were read. */
  public int size() {
    return size;
  }

  public Digest digest() {
    return digest;
  }
}
