package dev.kiln.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The property: for generated pairs of Debian versions, {@link DebianVersion#compare} has the sign
 * that the real {@code dpkg --compare-versions} gives. Pairs are generated around the rules that
 * are easy to get wrong ('~', epochs, letters against other characters, leading zeros, long digit
 * runs, absent revisions), half of them as small mutations of each other so that they are close.
 * dpkg runs from one shell script per 1000 pairs, so the test takes seconds, not minutes.
 */
class DebianVersionDpkgIT {
  private static final int PAIRS = 12_000;
  private static final int BATCH = 1_000;
  private static final String UPSTREAM = "0123456789abcxyzAZ.+~";
  private static final String REVISION = "0123456789abuAZ.+~";

  @TempDir Path tmp;

  @Test
  void ordersEveryGeneratedPairAsDpkgDoes() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "dpkg is not installed");
    Random random = new Random(20261130L); // fixed: a failure is reproducible
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      String a = version(random);
      String b = random.nextBoolean() ? mutate(a, random) : version(random);
      pairs.add(new String[] {a, b});
    }
    List<String> mismatches = new ArrayList<>();
    for (int from = 0; from < pairs.size(); from += BATCH) {
      List<String[]> batch = pairs.subList(from, Math.min(pairs.size(), from + BATCH));
      List<Integer> dpkg = dpkg(batch, from);
      for (int i = 0; i < batch.size(); i++) {
        String[] p = batch.get(i);
        int ours = Integer.signum(DebianVersion.compare(p[0], p[1]));
        if (ours != dpkg.get(i))
          mismatches.add(p[0] + " vs " + p[1] + ": dpkg " + dpkg.get(i) + ", kiln " + ours);
      }
    }
    assertThat(mismatches).as("pairs ordered differently from dpkg").isEmpty();
  }

  /** -1, 0 or 1 per pair, from the real dpkg ("lt" first; "eq" only when not less). */
  private List<Integer> dpkg(List<String[]> batch, int index)
      throws IOException, InterruptedException {
    StringBuilder script = new StringBuilder("set -u\n");
    for (String[] p : batch) {
      String a = "'" + p[0] + "'";
      String b = "'" + p[1] + "'";
      script.append(
          "if dpkg --compare-versions %s lt %s; then echo -1; elif dpkg --compare-versions %s eq %s; then echo 0; else echo 1; fi\n"
              .formatted(a, b, a, b));
    }
    Path file = tmp.resolve("batch-" + index + ".sh");
    Files.writeString(file, script);
    Process p =
        new ProcessBuilder("sh", file.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("dpkg batch script exit").isZero();
    List<Integer> results = out.lines().map(Integer::parseInt).toList();
    assertThat(results).hasSize(batch.size());
    return results;
  }

  private static String version(Random r) {
    StringBuilder v = new StringBuilder();
    int e = r.nextInt(10);
    if (e == 0) v.append("1:");
    else if (e == 1) v.append(r.nextInt(3)).append(':');
    else if (e == 2) v.append("00").append(r.nextInt(2)).append(':');
    v.append(r.nextInt(10)); // dpkg warns when the upstream version does not start with a digit
    boolean withRevision = r.nextInt(3) > 0;
    v.append(part(r, withRevision ? UPSTREAM + "-" : UPSTREAM, r.nextInt(9)));
    if (withRevision) {
      v.append('-');
      v.append(r.nextBoolean() ? String.valueOf(r.nextInt(12)) : "");
      String rest = part(r, REVISION, r.nextInt(6));
      v.append(rest);
      if (v.charAt(v.length() - 1) == '-') v.append('1');
    }
    return v.toString();
  }

  /** Random characters, with digit runs sometimes long (dates, git snapshots) or zero-padded. */
  private static String part(Random r, String alphabet, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      int pick = r.nextInt(20);
      if (pick == 0) s.append("20230605155624".substring(0, 8 + r.nextInt(7)));
      else if (pick == 1) s.append("0").append(r.nextInt(10));
      else if (pick == 2) s.append("+deb12u").append(r.nextInt(12));
      else if (pick == 3) s.append("~rc").append(r.nextInt(3));
      else s.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  /** A close neighbour: one character inserted, removed or changed, or a '~'/epoch twist. */
  private static String mutate(String v, Random r) {
    for (int attempt = 0; attempt < 20; attempt++) {
      StringBuilder m = new StringBuilder(v);
      int at = r.nextInt(m.length() + 1);
      switch (r.nextInt(5)) {
        case 0 -> m.insert(at, "~.+a0".charAt(r.nextInt(5)));
        case 1 -> {
          if (at < m.length()) m.deleteCharAt(at);
        }
        case 2 -> {
          if (at < m.length()) m.setCharAt(at, "09az~.+".charAt(r.nextInt(7)));
        }
        case 3 -> m.append(r.nextBoolean() ? "~" : "0");
        default -> m.insert(0, r.nextBoolean() ? "0:" : "1:");
      }
      String s = m.toString();
      if (valid(s)) return s;
    }
    return v;
  }

  /** Whether dpkg accepts {@code s} without an error or a warning (so the pair is comparable). */
  private static boolean valid(String s) {
    try {
      DebianVersion v = DebianVersion.parse(s);
      if (!Character.isDigit(v.upstream().charAt(0))) return false;
      if (v.revision().indexOf(':') >= 0) return false;
      if (s.indexOf(':') > 0 && s.substring(s.indexOf(':') + 1).isEmpty()) return false;
      return v.revision().chars().noneMatch(c -> c == '-');
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
