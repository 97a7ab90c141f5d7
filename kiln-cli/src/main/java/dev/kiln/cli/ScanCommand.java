package dev.kiln.cli;

import dev.kiln.api.InstanceView;
import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Digest;
import dev.kiln.model.KilnException;
import dev.kiln.scan.AdvisoryDb;
import dev.kiln.scan.Finding;
import dev.kiln.scan.ImageSbom;
import dev.kiln.scan.OsRelease;
import dev.kiln.scan.ScanReport;
import dev.kiln.scan.ScanWarning;
import dev.kiln.scan.Scanner;
import dev.kiln.scan.Severity;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln scan [IMAGE…] [--fleet] --advisories PATH}: the advisories of an offline feed matched
 * to the dpkg packages in images' SBOMs; with {@code --fleet}, to every image the server's services
 * run, naming the revisions and instances that carry each finding. Exit status for CI: 0 clean (or
 * below {@code --fail-on}), 1 findings at or above {@code --fail-on}, 2 the scan could not run.
 */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description = {
      "Match advisories to the Debian source packages in images' SBOMs, in Debian",
      "version order. Advisories are read offline: OSV JSON as osv.dev publishes it",
      "per ecosystem (Debian:12) and the Debian Security Tracker's JSON; a directory,",
      "a .zip or a .json file.",
      "With --fleet: the images that the server's services run, and which revisions",
      "and instances carry each finding.",
      "Exit status: 0 none at or above --fail-on, 1 some, 2 the scan could not run."
    })
public final class ScanCommand implements Callable<Integer> {
  enum Format {
    table,
    json,
    sarif
  }

  enum FailOn {
    low,
    medium,
    high,
    critical
  }

  @Mixin HomeOption home;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Image names or digests.")
  List<String> images = new ArrayList<>();

  @Option(names = "--fleet", description = "Scan every image the server's services run.")
  boolean fleet;

  @Option(
      names = "--advisories",
      required = true,
      paramLabel = "PATH",
      description = "A directory, .zip or .json file of OSV records and/or tracker JSON.")
  Path advisories;

  @Option(
      names = "--fail-on",
      paramLabel = "SEVERITY",
      description = "Exit 1 if a finding is at or above: ${COMPLETION-CANDIDATES}.")
  Optional<FailOn> failOn = Optional.empty();

  @Option(
      names = "--release",
      paramLabel = "RELEASE",
      description = "The Debian release (12 or bookworm) of images whose SBOM names none.")
  Optional<String> release = Optional.empty();

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table, json or sarif (SARIF 2.1.0) (default: ${DEFAULT-VALUE}).")
  Format format = Format.table;

  /** An image to scan: what to call it, and who runs it (fleet only). */
  private record Target(String name, List<ScanReport.Carrier> carriers) {}

  @Override
  public Integer call() {
    if (images.isEmpty() && !fleet)
      throw new ParameterException(spec.commandLine(), "give IMAGE names, --fleet, or both");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ScanReport report;
    try {
      report = scan();
    } catch (KilnException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return 2;
    }
    switch (format) {
      case json -> out.println(ApiClient.pretty(report.json()));
      case sarif -> out.println(ApiClient.pretty(report.sarif()));
      case table -> table(out, err, report);
    }
    out.flush();
    if (failOn.isEmpty()) return 0;
    Severity threshold = Severity.parse(failOn.get().name());
    long failing = report.countAtLeast(threshold);
    if (failing == 0) return 0;
    err.println(
        "failing: "
            + failing
            + (failing == 1 ? " finding" : " findings")
            + " at or above "
            + threshold.label()
            + " (--fail-on)");
    err.flush();
    return 1;
  }

  private ScanReport scan() {
    AdvisoryDb db = AdvisoryDb.load(advisories);
    List<ScanWarning> warnings = new ArrayList<>(db.warnings());
    Optional<ImageStore> store = home.existingStore();
    Map<Digest, Target> targets = new LinkedHashMap<>();
    for (String ref : images) {
      ImageStore s = store.orElseGet(home::requireStore);
      Descriptor d = InspectCommand.find(s, ref);
      targets.putIfAbsent(d.digest(), new Target(ref, List.of()));
    }
    if (fleet) fleetTargets(store, targets, warnings);
    List<ScanReport.ImageResult> results = new ArrayList<>();
    for (Map.Entry<Digest, Target> t : targets.entrySet()) {
      ImageSbom sbom = ImageSbom.read(store.orElseThrow(), t.getValue().name(), t.getKey());
      warnings.addAll(sbom.warnings());
      if (sbom.os().isEmpty()) {
        if (release.isPresent()) sbom = sbom.withRelease(OsRelease.debian(release.get()));
        else
          warnings.add(
              new ScanWarning(
                  t.getValue().name(),
                  "",
                  "the SBOM names no Debian release (no /etc/os-release); give --release 12 (or a"
                      + " codename) to scan it"));
      }
      List<Finding> findings = Scanner.scan(sbom, db);
      results.add(
          new ScanReport.ImageResult(
              t.getValue().name(),
              Optional.of(t.getKey()),
              sbom.os(),
              sbom.packages().size(),
              findings,
              t.getValue().carriers()));
    }
    return new ScanReport(advisories.toString(), db.size(), db.digest(), results, warnings);
  }

  /**
   * Asks the server which revisions run where: GET /v1/services (instances, live revision), then
   * each service's revisions for their image digests. A revision counts if it is live or has
   * running instances (warm rollback targets that run nothing are not carriers).
   */
  private void fleetTargets(
      Optional<ImageStore> store, Map<Digest, Target> targets, List<ScanWarning> warnings) {
    ApiClient api = ApiClient.fromEnvironment();
    Map<Digest, List<ScanReport.Carrier>> carriers = new LinkedHashMap<>();
    for (ServiceView s :
        ApiClient.read(api.get("/v1/services"), ServicesResponse.class).services()) {
      String service = s.name();
      Integer liveRevision = s.liveRevision();
      int live = liveRevision != null ? liveRevision : -1;
      Map<Integer, List<String>> running = new LinkedHashMap<>();
      for (InstanceView i : s.instances()) {
        if (!i.state().equals("running")) continue;
        running.computeIfAbsent(i.revision(), r -> new ArrayList<>()).add(i.id());
      }
      RevisionsResponse revisions =
          ApiClient.read(
              api.get(ApiClient.path("/v1/services", service, "revisions")),
              RevisionsResponse.class);
      for (RevisionView r : revisions.revisions()) {
        int number = r.number();
        if (number != live && !running.containsKey(number)) continue;
        Digest image = Digest.parse(r.image());
        carriers
            .computeIfAbsent(image, d -> new ArrayList<>())
            .add(
                new ScanReport.Carrier(
                    service, number, number == live, running.getOrDefault(number, List.of())));
      }
    }
    for (Map.Entry<Digest, List<ScanReport.Carrier>> c : carriers.entrySet()) {
      Digest d = c.getKey();
      String who = c.getValue().get(0).service() + " r" + c.getValue().get(0).revision();
      if (store.isEmpty() || !store.get().has(d)) {
        warnings.add(
            new ScanWarning(
                d.toString(),
                "",
                "run by "
                    + who
                    + " but not in the image store "
                    + home.images()
                    + "; scan on the server's host (or with its KILN_HOME)"));
        continue;
      }
      Target known = targets.get(d);
      String name = known != null ? known.name() : nameOf(store.get(), d);
      targets.put(d, new Target(name, c.getValue()));
    }
  }

  private static String nameOf(ImageStore store, Digest d) {
    return store.tagged().stream()
        .filter(t -> t.digest().equals(d))
        .map(t -> t.refName().orElseThrow())
        .findFirst()
        .orElse(d.toString().substring(0, 19));
  }

  private static void table(PrintWriter out, PrintWriter err, ScanReport report) {
    int total = 0;
    for (ScanReport.ImageResult r : report.images()) {
      total += r.findings().size();
      out.println(
          "image "
              + r.image()
              + "  "
              + r.digest().map(d -> d.toString().substring(0, 19)).orElse("")
              + "  "
              + r.os().map(OsRelease::toString).orElse("release unknown")
              + ", "
              + r.packages()
              + " packages, "
              + r.findings().size()
              + (r.findings().size() == 1 ? " finding" : " findings"));
      for (ScanReport.Carrier c : r.carriers())
        out.println(
            "  run by "
                + c.service()
                + " r"
                + c.revision()
                + (c.live() ? " (live)" : "")
                + ": "
                + (c.instances().isEmpty()
                    ? "no running instances"
                    : c.instances().size() + " running: " + String.join(", ", c.instances())));
      if (r.findings().isEmpty()) {
        out.println();
        continue;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Finding f : r.findings())
        rows.add(
            List.of(
                f.severity().label(),
                f.advisory(),
                f.aliases().isEmpty() ? "-" : String.join(",", f.aliases()),
                f.sourcePackage(),
                f.installed(),
                f.fixed().orElse("(no fix)")));
      out.print(
          Tables.render(
              List.of("SEVERITY", "ADVISORY", "ALIASES", "PACKAGE", "INSTALLED", "FIXED"), rows));
      out.println();
    }
    out.println(
        total
            + (total == 1 ? " finding" : " findings")
            + " in "
            + report.images().size()
            + (report.images().size() == 1 ? " image" : " images")
            + "; "
            + report.advisoryCount()
            + " advisories from "
            + report.advisories()
            + " ("
            + report.feed().toString().substring(0, 19)
            + ")");
    int shown = 0;
    for (ScanWarning w : report.warnings()) {
      if (shown++ == 20) {
        err.println(
            "warning: … and " + (report.warnings().size() - 20) + " more (-o json lists them all)");
        break;
      }
      err.println("warning: " + w);
    }
    err.flush();
  }
}
