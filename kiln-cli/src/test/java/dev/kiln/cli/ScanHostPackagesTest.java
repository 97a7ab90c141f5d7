package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln scan} over real data: an image baked from this Debian host's own dpkg database and
 * os-release (hundreds of packages, multi-line fields, binNMUs whose {@code Source:} carries its
 * own version), against advisories written for three of its real source packages.
 */
class ScanHostPackagesTest {
  private static final Path STATUS = Path.of("/var/lib/dpkg/status");
  private static final Path OS_RELEASE = Path.of("/etc/os-release");

  @TempDir Path tmp;

  @Test
  void findsAdvisoriesForTheHostsSourcePackagesAtTheirSourceVersions() throws Exception {
    assumeTrue(Files.isRegularFile(STATUS) && Files.isRegularFile(OS_RELEASE), "not a dpkg host");
    String os = Files.readString(OS_RELEASE);
    assumeTrue(os.contains("ID=debian") && os.contains("VERSION_ID=\"12\""), "not Debian 12");
    String status = Files.readString(STATUS);
    Map<String, String> sourceVersions = installedSources(status);
    List<String> sources = new ArrayList<>();
    for (String s : List.of("glibc", "bash", "util-linux", "coreutils", "dpkg"))
      if (sourceVersions.containsKey(s) && sources.size() < 3) sources.add(s);
    assumeTrue(sources.size() == 3, "the host lacks the usual source packages");

    Path project = Files.createDirectories(tmp.resolve("project"));
    Files.createDirectories(project.resolve("root/var/lib/dpkg"));
    Files.createDirectories(project.resolve("root/etc"));
    Files.writeString(project.resolve("root/var/lib/dpkg/status"), status);
    Files.writeString(project.resolve("root/etc/os-release"), os);
    Path blueprint =
        Files.writeString(
            project.resolve("kiln.yaml"),
            "images:\n  host:\n    from: scratch\n    copy: [ { src: root/, dest: / } ]\n");
    Path home = tmp.resolve("home");
    CliImages.Run bake = CliImages.kiln(home, "bake", "-f", blueprint.toString());
    assertThat(bake.exit()).as(bake.err()).isZero();

    // For each source: one advisory fixed just above the installed source version (a finding),
    // one fixed exactly at it (none).
    Path feed = Files.createDirectories(tmp.resolve("feed"));
    for (String s : sources) {
      String v = sourceVersions.get(s);
      Files.writeString(
          feed.resolve("KILN-" + s + "-1.json"), osv("KILN-" + s + "-1", s, v + "+kiln1"));
      Files.writeString(feed.resolve("KILN-" + s + "-2.json"), osv("KILN-" + s + "-2", s, v));
    }

    CliImages.Run scan =
        CliImages.kiln(home, "scan", "host", "--advisories", feed.toString(), "-o", "json");

    assertThat(scan.exit()).as(scan.err()).isZero();
    JsonNode image = new ObjectMapper().readTree(scan.out()).path("images").get(0);
    assertThat(image.path("release").asText()).isEqualTo("debian 12 (bookworm)");
    assertThat(image.path("packages").asInt()).isGreaterThan(50);
    Map<String, String> found = new LinkedHashMap<>();
    for (JsonNode f : image.path("findings")) {
      found.put(f.path("advisory").asText(), f.path("installed").asText());
      assertThat(f.path("binaries")).isNotEmpty();
    }
    Map<String, String> expected = new LinkedHashMap<>();
    for (String s : sources) expected.put("KILN-" + s + "-1", sourceVersions.get(s));
    assertThat(found).containsExactlyInAnyOrderEntriesOf(expected);
  }

  /** Source package → its installed version, as dpkg's status says (binNMUs: the parenthesis). */
  private static Map<String, String> installedSources(String status) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String paragraph : status.split("\n\n")) {
      String pkg = field(paragraph, "Package");
      String version = field(paragraph, "Version");
      String source = field(paragraph, "Source");
      if (pkg.isEmpty() || !field(paragraph, "Status").endsWith(" installed")) continue;
      String name = source.isEmpty() ? pkg : source.replaceAll(" \\(.*", "");
      String v = source.contains("(") ? source.replaceAll(".*\\((.*)\\)", "$1") : version;
      out.putIfAbsent(name, v);
    }
    return out;
  }

  private static String field(String paragraph, String name) {
    for (String line : paragraph.split("\n"))
      if (line.startsWith(name + ":")) return line.substring(name.length() + 1).strip();
    return "";
  }

  private static String osv(String id, String source, String fixed) {
    return """
        {"id": "%s", "affected": [{"package": {"ecosystem": "Debian:12", "name": "%s"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}]}
        """
        .formatted(id, source, fixed);
  }
}
