package dev.kiln.scan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure decision of admission ({@code policy: { deny-severity: critical }}): an image is denied
 * when a finding at or above the threshold is not covered by an unexpired exception. An exception
 * names an advisory id (or one of its aliases, a CVE) and holds until its instant, exclusive.
 */
public final class Admission {
  private Admission() {}

  /** A journaled exception: {@code advisory} may ship until {@code until}. */
  public record Exemption(String advisory, Instant until, String reason) {}

  /** The findings that deny an image, and the ones let through by an exception. */
  public record Verdict(List<Finding> denying, List<Finding> excepted) {
    public Verdict {
      denying = List.copyOf(denying);
      excepted = List.copyOf(excepted);
    }

    public boolean admitted() {
      return denying.isEmpty();
    }

    /** The ids of the denying advisories, for the journal and the error. */
    public List<String> denyingIds() {
      return denying.stream().map(Finding::advisory).distinct().toList();
    }

    public List<String> exceptedIds() {
      return excepted.stream().map(Finding::advisory).distinct().toList();
    }
  }

  public static Verdict judge(
      List<Finding> findings, Severity threshold, Map<String, Exemption> exceptions, Instant now) {
    List<Finding> denying = new ArrayList<>();
    List<Finding> excepted = new ArrayList<>();
    for (Finding f : findings) {
      if (f.severity().compareTo(threshold) < 0) continue;
      Set<String> ids = new LinkedHashSet<>();
      ids.add(f.advisory());
      ids.addAll(f.aliases());
      boolean allowed =
          ids.stream().map(exceptions::get).anyMatch(e -> e != null && now.isBefore(e.until()));
      (allowed ? excepted : denying).add(f);
    }
    return new Verdict(denying, excepted);
  }
}
