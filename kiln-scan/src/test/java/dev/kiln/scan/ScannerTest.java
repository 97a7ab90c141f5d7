package dev.kiln.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScannerTest {
  @TempDir Path tmp;

  private static final OsRelease BOOKWORM = new OsRelease("debian", "12", "bookworm");

  private static ImageSbom.InstalledPackage pkg(String name, String version, String source) {
    return new ImageSbom.InstalledPackage(
        name, DebianVersion.parse(version), source, DebianVersion.parse(version));
  }

  private static ImageSbom sbom(ImageSbom.InstalledPackage... packages) {
    return new ImageSbom(
        "app", Optional.empty(), Optional.of(BOOKWORM), List.of(packages), List.of());
  }

  private AdvisoryDb feed() throws Exception {
    return AdvisoryDb.load(
        Feeds.dir(
            tmp.resolve("feed"),
            Map.of(
                "dsa.json", Feeds.DSA_OPENSSL,
                "zlib.json", Feeds.ZLIB_OPEN,
                "tracker.json", Feeds.TRACKER)));
  }

  @Test
  void matchesSourcePackagesBelowTheFixAndMergesFeedsThatNameTheSameCve() throws Exception {
    ImageSbom image =
        sbom(
            pkg("libssl3", "3.0.11-1~deb12u0", "openssl"),
            pkg("openssl", "3.0.11-1~deb12u0", "openssl"),
            pkg("libc6", "2.36-9+deb12u3", "glibc"), // exactly the fixed version: not affected
            pkg("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
            pkg("perl-base", "5.36.0-7", "perl"));

    List<Finding> findings = Scanner.scan(image, feed());

    assertThat(findings)
        .extracting(
            Finding::advisory,
            Finding::sourcePackage,
            Finding::installed,
            f -> f.fixed().orElse("-"),
            Finding::severity)
        .containsExactly(
            // the DSA and the tracker's CVE are one finding: CVSS critical, the later fix
            org.assertj.core.groups.Tuple.tuple(
                "DSA-5532-1", "openssl", "3.0.11-1~deb12u0", "3.0.11-1~deb12u2", Severity.CRITICAL),
            org.assertj.core.groups.Tuple.tuple(
                "DEBIAN-CVE-2023-45853", "zlib", "1:1.2.13.dfsg-1", "-", Severity.LOW),
            org.assertj.core.groups.Tuple.tuple(
                "CVE-2023-47038", "perl", "5.36.0-7", "-", Severity.UNKNOWN));
    Finding openssl = findings.get(0);
    assertThat(openssl.aliases()).containsExactly("CVE-2023-5678");
    assertThat(openssl.binaries()).containsExactly("libssl3", "openssl");
    assertThat(openssl.status()).isEqualTo("fixed-available");
    assertThat(openssl.cves()).containsExactly("CVE-2023-5678");
    assertThat(findings.get(1).status()).isEqualTo("no-fix");
  }

  @Test
  void aFixedPackageAndAnotherReleaseGiveNothing() throws Exception {
    AdvisoryDb db = feed();
    assertThat(Scanner.scan(sbom(pkg("openssl", "3.0.11-1~deb12u2", "openssl")), db)).isEmpty();
    assertThat(Scanner.scan(sbom(pkg("openssl", "3.0.11-1~deb12u1+b1", "openssl")), db))
        .extracting(Finding::advisory)
        .containsExactly("CVE-2023-5678"); // fixed for the DSA, but the tracker's fix is later
    ImageSbom bullseye =
        sbom(pkg("openssl", "1.1.1w-0+deb11u1", "openssl"))
            .withRelease(new OsRelease("debian", "11", ""));
    // the DSA is fixed for 11; the tracker says bullseye is open (low)
    assertThat(Scanner.scan(bullseye, db))
        .extracting(Finding::advisory, Finding::severity)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("CVE-2023-5678", Severity.LOW));
  }

  @Test
  void anImageWithoutAReleaseIsNotMatched() throws Exception {
    ImageSbom none =
        new ImageSbom(
            "x",
            Optional.empty(),
            Optional.empty(),
            List.of(pkg("openssl", "1.0-1", "openssl")),
            List.of());
    assertThat(Scanner.scan(none, feed())).isEmpty();
  }

  @Test
  void evaluatesOsvRangesInDebianOrder() {
    DebianVersion v1 = DebianVersion.parse("1.0-1");
    DebianVersion v2 = DebianVersion.parse("2.0-1");
    DebianVersion v3 = DebianVersion.parse("3.0-1");
    Affected twoRanges =
        new Affected(
            "12",
            "p",
            List.of(
                List.of(
                    Affected.Event.of(Affected.Event.Kind.FIXED, v2),
                    Affected.Event.of(Affected.Event.Kind.INTRODUCED, v1)),
                List.of(
                    Affected.Event.of(Affected.Event.Kind.INTRODUCED, v3),
                    Affected.Event.of(
                        Affected.Event.Kind.LAST_AFFECTED, DebianVersion.parse("3.5")))),
            List.of(DebianVersion.parse("0.5")),
            Optional.empty());
    assertThat(twoRanges.verdict(DebianVersion.parse("1.0~rc1")).affected()).isFalse();
    assertThat(twoRanges.verdict(v1)).isEqualTo(new Affected.Verdict(true, Optional.of(v2)));
    assertThat(twoRanges.verdict(DebianVersion.parse("1.9")).fixed()).contains(v2);
    assertThat(twoRanges.verdict(v2).affected()).isFalse();
    assertThat(twoRanges.verdict(DebianVersion.parse("3.5")).affected()).isTrue();
    assertThat(twoRanges.verdict(DebianVersion.parse("3.5")).fixed()).isEmpty();
    assertThat(twoRanges.verdict(DebianVersion.parse("3.5-1")).affected()).isFalse();
    assertThat(twoRanges.verdict(DebianVersion.parse("0.5")).affected()).isTrue();
  }

  @Test
  void readsSourcePackagesFromKilnPropertiesOrSyftPurls() throws Exception {
    String bom =
        """
        {"bomFormat": "CycloneDX", "components": [
          {"type": "library", "name": "libc6", "version": "2.36-9",
           "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc"},
          {"type": "library", "name": "perl-base", "version": "5.36.0-7+b1",
           "purl": "pkg:deb/debian/perl-base@5.36.0-7%2Bb1?arch=amd64&upstream=perl%405.36.0-7"},
          {"type": "library", "name": "libssl3", "version": "3.0.11-1",
           "purl": "pkg:deb/debian/libssl3@3.0.11-1?arch=amd64",
           "properties": [{"name": "dev.kiln:dpkg-source", "value": "openssl"},
                          {"name": "dev.kiln:dpkg-source-version", "value": "3.0.11-1"}]},
          {"type": "library", "name": "broken", "version": "not a version",
           "purl": "pkg:deb/debian/broken@x"},
          {"type": "library", "name": "left-pad", "version": "1.0.0", "purl": "pkg:npm/left-pad@1.0.0"},
          {"type": "file", "name": "/etc/motd"}]}
        """;
    ImageSbom s = ImageSbom.parse("img", Optional.empty(), new ObjectMapper().readTree(bom));
    assertThat(s.os()).contains(new OsRelease("debian", "12", "bookworm"));
    assertThat(s.packages())
        .extracting(p -> p.name() + "<" + p.source() + "@" + p.sourceVersion())
        .containsExactly(
            "libc6<glibc@2.36-9", "perl-base<perl@5.36.0-7", "libssl3<openssl@3.0.11-1");
    assertThat(s.warnings())
        .extracting(ScanWarning::toString)
        .containsExactly(
            "img: $.components[3]: broken: 'not a version' is not a Debian version: character ' '"
                + " at 4; not scanned");
  }
}
