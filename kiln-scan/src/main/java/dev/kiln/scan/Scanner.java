package dev.kiln.scan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pure decision of a scan: which advisories of a feed apply to the packages of one SBOM. No
 * I/O, no clock: the same SBOM and feed give the same findings in the same order, so {@code kiln
 * patch} and admission can call it and journal its result.
 *
 * <p>Debian advisories name source packages, so binaries are grouped by source package and version
 * first (libssl3 and openssl both come from openssl), and each group is one finding per advisory.
 * When two feeds describe the same vulnerability (a tracker CVE and an OSV record whose aliases
 * name it), their findings are merged: all ids kept, the higher severity, the later fix.
 */
public final class Scanner {
  private Scanner() {}

  /** Findings, most severe first; none when the SBOM names no release (see {@link ImageSbom}). */
  public static List<Finding> scan(ImageSbom sbom, AdvisoryDb db) {
    if (sbom.os().isEmpty()) return List.of();
    OsRelease os = sbom.os().get();
    Map<String, List<ImageSbom.InstalledPackage>> bySource = new LinkedHashMap<>();
    for (ImageSbom.InstalledPackage p : sbom.packages())
      bySource
          .computeIfAbsent(p.source() + "\0" + p.sourceVersion(), k -> new ArrayList<>())
          .add(p);
    List<Finding> findings = new ArrayList<>();
    for (List<ImageSbom.InstalledPackage> group : bySource.values()) {
      ImageSbom.InstalledPackage first = group.get(0);
      List<String> binaries =
          group.stream().map(ImageSbom.InstalledPackage::name).distinct().sorted().toList();
      List<Finding> here = new ArrayList<>();
      for (Advisory a : db.forSource(first.source())) {
        match(a, os, first.source(), first.sourceVersion())
            .ifPresent(
                m ->
                    here.add(
                        new Finding(
                            a.id(),
                            a.aliases(),
                            first.source(),
                            binaries,
                            first.sourceVersion().toString(),
                            m.fixed().map(DebianVersion::toString),
                            m.severity(),
                            a.summary(),
                            a.origin())));
      }
      findings.addAll(merged(here));
    }
    findings.sort(
        Comparator.comparing(Finding::severity)
            .reversed()
            .thenComparing(Finding::sourcePackage)
            .thenComparing(Finding::advisory));
    return List.copyOf(findings);
  }

  private record Match(Optional<DebianVersion> fixed, Severity severity) {}

  private static Optional<Match> match(
      Advisory a, OsRelease os, String source, DebianVersion installed) {
    Optional<Match> best = Optional.empty();
    for (Affected f : a.affected()) {
      if (!f.sourcePackage().equals(source) || !f.appliesTo(os)) continue;
      Affected.Verdict v = f.verdict(installed);
      if (!v.affected()) continue;
      Severity severity = f.urgency().filter(u -> u != Severity.UNKNOWN).orElse(a.severity());
      Match m = new Match(v.fixed(), severity);
      // Several entries for one release (rare): the lowest fix and the highest severity.
      best =
          Optional.of(
              best.map(b -> new Match(lower(b.fixed(), m.fixed()), max(b.severity(), m.severity())))
                  .orElse(m));
    }
    return best;
  }

  /** Findings of one package version that share an id or alias become one. */
  private static List<Finding> merged(List<Finding> findings) {
    List<Finding> out = new ArrayList<>();
    for (Finding f : findings) {
      int same = -1;
      for (int i = 0; i < out.size() && same < 0; i++) if (overlap(out.get(i), f)) same = i;
      if (same < 0) {
        out.add(f);
        continue;
      }
      Finding g = out.get(same);
      Set<String> ids = new LinkedHashSet<>();
      ids.addAll(g.aliases());
      ids.add(f.advisory());
      ids.addAll(f.aliases());
      ids.remove(g.advisory());
      out.set(
          same,
          new Finding(
              g.advisory(),
              List.copyOf(ids),
              g.sourcePackage(),
              g.binaries(),
              g.installed(),
              higher(g.fixed(), f.fixed()),
              max(g.severity(), f.severity()),
              g.summary().isEmpty() ? f.summary() : g.summary(),
              g.origin()));
    }
    return out;
  }

  private static boolean overlap(Finding a, Finding b) {
    Set<String> ids = new LinkedHashSet<>(a.aliases());
    ids.add(a.advisory());
    if (ids.contains(b.advisory())) return true;
    for (String alias : b.aliases()) if (ids.contains(alias)) return true;
    return false;
  }

  private static Severity max(Severity a, Severity b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Optional<DebianVersion> lower(
      Optional<DebianVersion> a, Optional<DebianVersion> b) {
    if (a.isEmpty()) return b;
    if (b.isEmpty()) return a;
    return a.get().compareTo(b.get()) <= 0 ? a : b;
  }

  /** Two feeds disagreeing on the fix: the later one, so that upgrading to it fixes both. */
  private static Optional<String> higher(Optional<String> a, Optional<String> b) {
    if (a.isEmpty() || b.isEmpty()) return a.isEmpty() ? b : a;
    return DebianVersion.compare(a.get(), b.get()) >= 0 ? a : b;
  }
}
