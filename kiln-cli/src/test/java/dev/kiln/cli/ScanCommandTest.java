package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln scan} end to end: images baked by {@code kiln bake} from a blueprint whose files are
 * a real dpkg status database and os-release (so the SBOM lists packages as for a Debian root),
 * scanned against a fixture feed (OSV records in a zip, tracker JSON, a malformed file) through the
 * CLI.
 */
class ScanCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** openssl below the DSA's fix; zlib with an unfixed CVE; glibc exactly at its fix. */
  private static final String VULNERABLE_STATUS =
      """
      Package: libssl3
      Status: install ok installed
      Architecture: amd64
      Source: openssl
      Version: 3.0.11-1~deb12u0
      Description: Secure Sockets Layer toolkit

      Package: openssl
      Status: install ok installed
      Architecture: amd64
      Version: 3.0.11-1~deb12u0

      Package: zlib1g
      Status: install ok installed
      Architecture: amd64
      Source: zlib
      Version: 1:1.2.13.dfsg-1

      Package: libc6
      Status: install ok installed
      Architecture: amd64
      Source: glibc
      Version: 2.36-9+deb12u3
      """;

  private static final String PATCHED_STATUS =
      """
      Package: libssl3
      Status: install ok installed
      Architecture: amd64
      Source: openssl
      Version: 3.0.11-1~deb12u2
      """;

  private static final String OS_RELEASE =
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"
          + "VERSION_CODENAME=bookworm\n";

  private static final String DSA =
      """
      {"id": "DSA-5532-1", "aliases": ["CVE-2023-5678"], "summary": "openssl - security update",
       "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
       "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]}]}]}
      """;

  private static final String ZLIB =
      """
      {"id": "DEBIAN-CVE-2023-45853", "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
        "ecosystem_specific": {"urgency": "low"}}]}
      """;

  private static final String TRACKER =
      """
      {"glibc": {"CVE-2023-4911": {"releases": {"bookworm":
         {"status": "resolved", "fixed_version": "2.36-9+deb12u3", "urgency": "high"}}}}}
      """;

  @TempDir Path tmp;
  Path home;
  Path feed;
  String appDigest;
  String patchedDigest;

  @BeforeEach
  void bakeImagesAndWriteTheFeed() throws Exception {
    home = tmp.resolve("home");
    Path project = Files.createDirectories(tmp.resolve("project"));
    Files.createDirectories(project.resolve("app/var/lib/dpkg"));
    Files.createDirectories(project.resolve("app/etc"));
    Files.writeString(project.resolve("app/var/lib/dpkg/status"), VULNERABLE_STATUS);
    Files.writeString(project.resolve("app/etc/os-release"), OS_RELEASE);
    Files.createDirectories(project.resolve("patched/var/lib/dpkg"));
    Files.createDirectories(project.resolve("patched/etc"));
    Files.writeString(project.resolve("patched/var/lib/dpkg/status"), PATCHED_STATUS);
    Files.writeString(project.resolve("patched/etc/os-release"), OS_RELEASE);
    Path blueprint =
        Files.writeString(
            project.resolve("kiln.yaml"),
            """
            images:
              app:
                from: scratch
                copy: [ { src: app/, dest: / } ]
              patched:
                from: scratch
                copy: [ { src: patched/, dest: / } ]
            """);
    CliImages.Run bake = CliImages.kiln(home, "bake", "-f", blueprint.toString());
    assertThat(bake.exit()).as(bake.err()).isZero();
    appDigest = digestOf(bake.out(), "app");
    patchedDigest = digestOf(bake.out(), "patched");

    feed = Files.createDirectories(tmp.resolve("feed"));
    try (var zip =
        new java.util.zip.ZipOutputStream(Files.newOutputStream(feed.resolve("all.zip")))) {
      for (String[] e : new String[][] {{"DSA-5532-1.json", DSA}, {"zlib.json", ZLIB}}) {
        zip.putNextEntry(new java.util.zip.ZipEntry(e[0]));
        zip.write(e[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    Files.writeString(feed.resolve("tracker.json"), TRACKER);
    Files.writeString(
        feed.resolve("broken.json"),
        "{\"id\": \"DSA-9\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\","
            + " \"name\": \"curl\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\":"
            + " [{\"introduced\": \"0\"}, {\"fixed\": \"8.0 final\"}]}]}]}");
  }

  private static String digestOf(String bakeOutput, String image) {
    Matcher m = Pattern.compile(image + "\\s+(sha256:[0-9a-f]{64})").matcher(bakeOutput);
    assertThat(m.find()).as(bakeOutput).isTrue();
    return m.group(1);
  }

  @Test
  void tableListsEachFindingAndWarnsAboutTheMalformedFile() {
    CliImages.Run run = CliImages.kiln(home, "scan", "app", "--advisories", feed.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "image app  "
                + appDigest.substring(0, 19)
                + "  debian 12 (bookworm), 4 packages, 2 findings")
        .containsPattern(
            "critical\\s+DSA-5532-1\\s+CVE-2023-5678\\s+openssl\\s+3.0.11-1~deb12u0\\s+3.0.11-1~deb12u1")
        .containsPattern(
            "low\\s+DEBIAN-CVE-2023-45853\\s+-\\s+zlib\\s+1:1.2.13.dfsg-1\\s+\\(no fix\\)")
        .doesNotContain("CVE-2023-4911") // glibc is exactly at the fixed version
        .contains("2 findings in 1 image; 3 advisories from " + feed);
    assertThat(run.err())
        .contains(
            "warning: "
                + feed.resolve("broken.json")
                + ": $.affected[0].ranges[0].events[1].fixed: '8.0 final' is not a Debian version");
  }

  @Test
  void failOnSetsTheExitCode() {
    CliImages.Run critical =
        CliImages.kiln(
            home, "scan", "app", "--advisories", feed.toString(), "--fail-on", "critical");
    assertThat(critical.exit()).isEqualTo(1);
    assertThat(critical.err()).contains("failing: 1 finding at or above critical (--fail-on)");

    CliImages.Run low =
        CliImages.kiln(
            home, "scan", "app", "--advisories", feed.toString(), "--fail-on", "low", "-o", "json");
    assertThat(low.exit()).isEqualTo(1);
    assertThat(low.err()).contains("failing: 2 findings at or above low");

    CliImages.Run clean =
        CliImages.kiln(
            home, "scan", "patched", "--advisories", feed.toString(), "--fail-on", "low");
    assertThat(clean.exit()).as(clean.out() + clean.err()).isZero();
    assertThat(clean.out()).contains("0 findings in 1 image");
  }

  @Test
  void aScanThatCannotRunExits2() {
    CliImages.Run missing =
        CliImages.kiln(home, "scan", "app", "--advisories", tmp.resolve("nope").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err())
        .contains("error: advisories: " + tmp.resolve("nope") + " does not exist");

    CliImages.Run unknown = CliImages.kiln(home, "scan", "nosuch", "--advisories", feed.toString());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("no image 'nosuch'");

    CliImages.Run nothing = CliImages.kiln(home, "scan", "--advisories", feed.toString());
    assertThat(nothing.exit()).isEqualTo(2);
    assertThat(nothing.err()).contains("give IMAGE names, --fleet, or both");

    CliImages.Run badLevel =
        CliImages.kiln(home, "scan", "app", "--advisories", feed.toString(), "--fail-on", "severe");
    assertThat(badLevel.exit()).isEqualTo(2);
  }

  @Test
  void jsonCarriesEveryFieldOfAFinding() throws Exception {
    CliImages.Run run =
        CliImages.kiln(
            home, "scan", "app", "patched", "--advisories", feed.toString(), "-o", "json");
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode report = JSON.readTree(run.out());
    assertThat(report.path("advisories").path("count").asInt()).isEqualTo(3);
    assertThat(report.path("advisories").path("digest").asText()).startsWith("sha256:");
    JsonNode app = report.path("images").get(0);
    assertThat(app.path("digest").asText()).isEqualTo(appDigest);
    assertThat(app.path("release").asText()).isEqualTo("debian 12 (bookworm)");
    JsonNode dsa = app.path("findings").get(0);
    assertThat(dsa.path("advisory").asText()).isEqualTo("DSA-5532-1");
    assertThat(dsa.path("aliases").get(0).asText()).isEqualTo("CVE-2023-5678");
    assertThat(dsa.path("package").asText()).isEqualTo("openssl");
    assertThat(dsa.path("binaries").toString()).isEqualTo("[\"libssl3\",\"openssl\"]");
    assertThat(dsa.path("installed").asText()).isEqualTo("3.0.11-1~deb12u0");
    assertThat(dsa.path("fixed").asText()).isEqualTo("3.0.11-1~deb12u1");
    assertThat(dsa.path("severity").asText()).isEqualTo("critical");
    assertThat(dsa.path("status").asText()).isEqualTo("fixed-available");
    assertThat(app.path("findings").get(1).path("fixed").isNull()).isTrue();
    assertThat(report.path("images").get(1).path("findings")).isEmpty();
    assertThat(report.path("warnings")).hasSize(1); // the bad version (its range is dropped)
  }

  @Test
  void sarifIsVersion210WithOneRulePerAdvisoryAndLocatedResults() throws Exception {
    CliImages.Run run =
        CliImages.kiln(home, "scan", "app", "--advisories", feed.toString(), "-o", "sarif");
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode sarif = JSON.readTree(run.out());
    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.path("$schema").asText()).contains("sarif-2.1.0");
    JsonNode r = sarif.path("runs").get(0);
    assertThat(r.path("tool").path("driver").path("name").asText()).isEqualTo("kiln");
    List<String> rules = new ArrayList<>();
    r.path("tool").path("driver").path("rules").forEach(x -> rules.add(x.path("id").asText()));
    assertThat(rules).containsExactly("DSA-5532-1", "DEBIAN-CVE-2023-45853");
    JsonNode rule = r.path("tool").path("driver").path("rules").get(0);
    assertThat(rule.path("properties").path("security-severity").asText()).isEqualTo("9.5");
    assertThat(rule.path("shortDescription").path("text").asText()).contains("CVE-2023-5678");
    JsonNode first = r.path("results").get(0);
    assertThat(first.path("ruleId").asText()).isEqualTo("DSA-5532-1");
    assertThat(first.path("ruleIndex").asInt()).isZero();
    assertThat(first.path("level").asText()).isEqualTo("error");
    assertThat(first.path("message").path("text").asText())
        .isEqualTo(
            "Package openssl 3.0.11-1~deb12u0 in image app is affected by DSA-5532-1"
                + " (CVE-2023-5678); severity critical; fixed in 3.0.11-1~deb12u1");
    assertThat(
            first
                .path("locations")
                .get(0)
                .path("physicalLocation")
                .path("artifactLocation")
                .path("uri")
                .asText())
        .isEqualTo("app");
    assertThat(first.path("partialFingerprints").path("kilnFinding/v1").asText()).hasSize(64);
    assertThat(r.path("results").get(1).path("level").asText()).isEqualTo("note");
    assertThat(r.path("invocations").get(0).path("toolExecutionNotifications")).hasSize(1);
  }

  @Test
  void fleetNamesTheRevisionsAndInstancesThatCarryEachFinding() throws Exception {
    String missing = "sha256:" + "ab".repeat(32);
    try (FakeKilnServer server = new FakeKilnServer()) {
      server.on(
          "GET /v1/services",
          """
          {"services": [
            {"name": "web", "image": "%s", "liveRevision": 2, "instances": [
              {"id": "web-2-a", "service": "web", "revision": 2, "state": "running"},
              {"id": "web-2-b", "service": "web", "revision": 2, "state": "running"},
              {"id": "web-1-a", "service": "web", "revision": 1, "state": "running"},
              {"id": "web-1-z", "service": "web", "revision": 1, "state": "exited"}], "traffic": {}},
            {"name": "api", "image": "%s", "liveRevision": 1, "instances": [], "traffic": {}}],
           "certificates": []}
          """
              .formatted(appDigest, missing));
      server.on(
          "GET /v1/services/web/revisions",
          """
          {"revisions": [{"service": "web", "number": 1, "image": "%s", "config": {}},
                         {"service": "web", "number": 2, "image": "%s", "config": {}},
                         {"service": "web", "number": 3, "image": "%s", "config": {}}]}
          """
              .formatted(patchedDigest, appDigest, patchedDigest));
      server.on(
          "GET /v1/services/api/revisions",
          "{\"revisions\": [{\"service\": \"api\", \"number\": 1, \"image\": \""
              + missing
              + "\", \"config\": {}}]}");

      FakeKilnServer.Run run =
          server.kiln(
              "scan", "--home", home.toString(), "--fleet", "--advisories", feed.toString());

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out())
          .contains("image app  ")
          .contains("  run by web r2 (live): 2 running: web-2-a, web-2-b")
          .contains("image patched  ")
          .contains("  run by web r1: 1 running: web-1-a")
          .contains("2 findings in 2 images");
      assertThat(run.err())
          .contains("warning: " + missing + ": run by api r1 but not in the image store");

      JsonNode json =
          JSON.readTree(
              server
                  .kiln(
                      "scan",
                      "--home",
                      home.toString(),
                      "--fleet",
                      "--advisories",
                      feed.toString(),
                      "-o",
                      "json")
                  .out());
      // images in the order the API lists their revisions: web r1 (patched), then r2 (app)
      assertThat(json.path("images").get(0).path("image").asText()).isEqualTo("patched");
      JsonNode carrier = json.path("images").get(1).path("carriers").get(0);
      assertThat(carrier.path("service").asText()).isEqualTo("web");
      assertThat(carrier.path("revision").asInt()).isEqualTo(2);
      assertThat(carrier.path("live").asBoolean()).isTrue();
      assertThat(carrier.path("instances").toString()).isEqualTo("[\"web-2-a\",\"web-2-b\"]");
    }
  }
}
