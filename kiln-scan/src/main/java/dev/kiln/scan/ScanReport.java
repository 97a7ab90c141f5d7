package dev.kiln.scan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The result of {@code kiln scan}: per image its findings and, with {@code --fleet}, who carries it
 * (services, revisions, running instances); the feed it was matched against; every warning. As JSON
 * (Kiln's own shape) and as SARIF 2.1.0 for code-scanning tools.
 */
public record ScanReport(
    String advisories,
    int advisoryCount,
    Digest feed,
    List<ImageResult> images,
    List<ScanWarning> warnings) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ScanReport {
    images = List.copyOf(images);
    warnings = List.copyOf(warnings);
  }

  /** One image's scan. {@code carriers} is empty unless the fleet was asked. */
  public record ImageResult(
      String image,
      Optional<Digest> digest,
      Optional<OsRelease> os,
      int packages,
      List<Finding> findings,
      List<Carrier> carriers) {
    public ImageResult {
      findings = List.copyOf(findings);
      carriers = List.copyOf(carriers);
    }
  }

  /** A revision of a service that runs the image: live or not, and its running instances. */
  public record Carrier(String service, int revision, boolean live, List<String> instances) {
    public Carrier {
      instances = List.copyOf(instances);
    }
  }

  /** The findings at or above {@code threshold}, over all images. */
  public long countAtLeast(Severity threshold) {
    return images.stream()
        .flatMap(i -> i.findings().stream())
        .filter(f -> f.severity().atLeast(threshold))
        .count();
  }

  public ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode feedNode = root.putObject("advisories");
    feedNode.put("path", advisories);
    feedNode.put("count", advisoryCount);
    feedNode.put("digest", feed.toString());
    ArrayNode imgs = root.putArray("images");
    for (ImageResult r : images) {
      ObjectNode i = imgs.addObject();
      i.put("image", r.image());
      r.digest().ifPresentOrElse(d -> i.put("digest", d.toString()), () -> i.putNull("digest"));
      r.os().ifPresentOrElse(o -> i.put("release", o.toString()), () -> i.putNull("release"));
      i.put("packages", r.packages());
      ArrayNode carriers = i.putArray("carriers");
      for (Carrier c : r.carriers()) {
        ObjectNode cn = carriers.addObject();
        cn.put("service", c.service());
        cn.put("revision", c.revision());
        cn.put("live", c.live());
        ArrayNode ids = cn.putArray("instances");
        c.instances().forEach(ids::add);
      }
      ArrayNode fs = i.putArray("findings");
      for (Finding f : r.findings()) fs.add(finding(f));
    }
    ArrayNode ws = root.putArray("warnings");
    for (ScanWarning w : warnings) {
      ObjectNode wn = ws.addObject();
      wn.put("where", w.where());
      wn.put("path", w.path());
      wn.put("message", w.message());
    }
    return root;
  }

  private static ObjectNode finding(Finding f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("advisory", f.advisory());
    ArrayNode aliases = n.putArray("aliases");
    f.aliases().forEach(aliases::add);
    n.put("package", f.sourcePackage());
    ArrayNode bins = n.putArray("binaries");
    f.binaries().forEach(bins::add);
    n.put("installed", f.installed());
    f.fixed().ifPresentOrElse(v -> n.put("fixed", v), () -> n.putNull("fixed"));
    n.put("status", f.status());
    n.put("severity", f.severity().label());
    n.put("summary", f.summary());
    n.put("origin", f.origin());
    return n;
  }

  /**
   * SARIF 2.1.0 (OASIS): one rule per advisory, one result per finding per image. Code-scanning
   * tools rank by {@code properties.security-severity} (a CVSS-like number), so each level gets a
   * representative score inside its CVSS band. The location is the image's dpkg database, named by
   * image, as container scanners (Trivy) do.
   */
  public ObjectNode sarif() {
    ObjectNode root = JSON.createObjectNode();
    root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    root.put("version", "2.1.0");
    ObjectNode run = root.putArray("runs").addObject();
    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", "kiln");
    driver.put("informationUri", "https://osv.dev/");
    ArrayNode rules = driver.putArray("rules");
    List<String> ruleIds = new ArrayList<>();
    ArrayNode results = run.putArray("results");
    for (ImageResult r : images) {
      for (Finding f : r.findings()) {
        int index = ruleIds.indexOf(f.advisory());
        if (index < 0) {
          index = ruleIds.size();
          ruleIds.add(f.advisory());
          rules.add(rule(f));
        }
        ObjectNode res = results.addObject();
        res.put("ruleId", f.advisory());
        res.put("ruleIndex", index);
        res.put("level", level(f.severity()));
        res.putObject("message").put("text", message(r, f));
        ObjectNode loc = res.putArray("locations").addObject();
        ObjectNode phys = loc.putObject("physicalLocation");
        phys.putObject("artifactLocation").put("uri", r.image());
        phys.putObject("region").put("startLine", 1);
        ArrayNode logical = loc.putArray("logicalLocations");
        logical.addObject().put("name", f.sourcePackage()).put("kind", "package");
        res.putObject("partialFingerprints")
            .put(
                "kilnFinding/v1",
                Digest.of(
                        (r.digest().map(Digest::toString).orElse(r.image())
                                + "\0"
                                + f.advisory()
                                + "\0"
                                + f.sourcePackage()
                                + "\0"
                                + f.installed())
                            .getBytes(StandardCharsets.UTF_8))
                    .hex());
        ObjectNode props = res.putObject("properties");
        props.put("image", r.image());
        r.digest().ifPresent(d -> props.put("digest", d.toString()));
        props.put("installed", f.installed());
        f.fixed().ifPresent(v -> props.put("fixed", v));
      }
    }
    ObjectNode invocation = run.putArray("invocations").addObject();
    invocation.put("executionSuccessful", true);
    ArrayNode notes = invocation.putArray("toolExecutionNotifications");
    for (ScanWarning w : warnings)
      notes.addObject().put("level", "warning").putObject("message").put("text", w.toString());
    return root;
  }

  private static ObjectNode rule(Finding f) {
    ObjectNode rule = JSON.createObjectNode();
    rule.put("id", f.advisory());
    rule.put("name", f.advisory().replaceAll("[^A-Za-z0-9]", ""));
    String title =
        f.advisory()
            + (f.aliases().isEmpty() ? "" : " (" + String.join(", ", f.aliases()) + ")")
            + ": "
            + f.sourcePackage();
    rule.putObject("shortDescription").put("text", title);
    rule.putObject("fullDescription").put("text", f.summary().isEmpty() ? title : f.summary());
    rule.putObject("help").put("text", "Advisory " + f.advisory() + " from " + f.origin());
    rule.putObject("defaultConfiguration").put("level", level(f.severity()));
    ObjectNode props = rule.putObject("properties");
    props.put("security-severity", securitySeverity(f.severity()));
    ArrayNode tags = props.putArray("tags");
    tags.add("security");
    tags.add("vulnerability");
    tags.add(f.severity().label());
    return rule;
  }

  private static String message(ImageResult r, Finding f) {
    return "Package "
        + f.sourcePackage()
        + " "
        + f.installed()
        + " in image "
        + r.image()
        + " is affected by "
        + f.advisory()
        + (f.aliases().isEmpty() ? "" : " (" + String.join(", ", f.aliases()) + ")")
        + "; severity "
        + f.severity().label()
        + "; "
        + f.fixed().map(v -> "fixed in " + v).orElse("no fix published yet");
  }

  static String level(Severity s) {
    return switch (s) {
      case CRITICAL, HIGH -> "error";
      case MEDIUM -> "warning";
      case LOW, UNKNOWN -> "note";
    };
  }

  static String securitySeverity(Severity s) {
    return switch (s) {
      case CRITICAL -> "9.5";
      case HIGH -> "8.0";
      case MEDIUM -> "5.5";
      case LOW -> "2.0";
      case UNKNOWN -> "0.0";
    };
  }
}
