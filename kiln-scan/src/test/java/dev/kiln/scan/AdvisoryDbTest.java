package dev.kiln.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdvisoryDbTest {
  @TempDir Path tmp;

  @Test
  void readsOsvRecordsFromAZipAndTrackerJsonFromADirectory() throws Exception {
    Path feed = tmp.resolve("feed");
    Feeds.zip(
        feed.resolve("osv/Debian/all.zip"),
        Map.of(
            "DSA-5532-1.json", Feeds.DSA_OPENSSL, "DEBIAN-CVE-2023-45853.json", Feeds.ZLIB_OPEN));
    Feeds.dir(feed, Map.of("tracker/debian-security.json", Feeds.TRACKER, "README.txt", "hi"));

    AdvisoryDb db = AdvisoryDb.load(feed);

    assertThat(db.warnings()).isEmpty();
    // 2 OSV records + openssl CVE + glibc CVE-2023-4911 + perl CVE (CVE-2010-0001 never affected)
    assertThat(db.size()).isEqualTo(5);
    Advisory dsa = db.forSource("openssl").get(0);
    assertThat(dsa.id()).isEqualTo("DSA-5532-1");
    assertThat(dsa.aliases()).containsExactly("CVE-2023-5678");
    assertThat(dsa.severity()).isEqualTo(Severity.CRITICAL); // CVSS 9.8 from the vector
    assertThat(dsa.origin()).endsWith("all.zip!/DSA-5532-1.json");
    assertThat(dsa.affected()).extracting(Affected::release).containsExactly("12", "11");
    Advisory tracker = db.forSource("openssl").get(1);
    assertThat(tracker.id()).isEqualTo("CVE-2023-5678");
    assertThat(tracker.affected())
        .extracting(Affected::release)
        .containsExactly("bookworm", "bullseye");
    assertThat(db.forSource("glibc")).extracting(Advisory::id).containsExactly("CVE-2023-4911");
    assertThat(db.digest()).isEqualTo(AdvisoryDb.load(feed).digest());
  }

  @Test
  void malformedFilesAreLocatedWarningsAndTheRestIsRead() throws Exception {
    Map<String, String> files = new TreeMap<>();
    files.put("good.json", Feeds.DSA_OPENSSL);
    files.put("syntax.json", "{\"id\": \"DSA-1\",\n  \"affected\": [ }");
    files.put(
        "bad-version.json",
        """
        {"id": "DSA-2", "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88 beta"}]},
                     {"type": "ECOSYSTEM", "events": [{"introduced": "8.0"}, {"fixed": "8.1-1"}]}]}]}
        """);
    files.put("no-id.json", "{\"affected\": [], \"id\": 42}");
    files.put("array.json", "[1, 2]");
    files.put(
        "tracker.json",
        """
        {"curl": {"CVE-2024-1": {"releases": {"bookworm": {"status": "resolved"}}},
                  "CVE-2024-2": {"releases": {"bookworm": {"status": "fixed?", "urgency": "low"}}},
                  "CVE-2024-3": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1:"}}},
                  "CVE-2024-4": "not an object"}}
        """);
    files.put(
        "other-ecosystem.json",
        "{\"id\": \"PYSEC-1\", \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"x\"}}]}");
    Path feed = Feeds.dir(tmp.resolve("feed"), files);

    AdvisoryDb db = AdvisoryDb.load(feed);

    ScanWarning syntax =
        db.warnings().stream()
            .filter(w -> w.where().endsWith("syntax.json"))
            .findFirst()
            .orElseThrow();
    assertThat(syntax.path()).startsWith("2:"); // line:column of the error
    assertThat(syntax.message())
        .startsWith("invalid JSON; the file is skipped from here: Unexpected close marker '}'");
    assertThat(db.warnings())
        .filteredOn(w -> w != syntax)
        .extracting(ScanWarning::toString)
        .containsExactly(
            feed.resolve("array.json") + ": $: not a JSON object (an OSV record or tracker JSON)",
            feed.resolve("bad-version.json")
                + ": $.affected[0].ranges[0].events[1].fixed: '7.88 beta' is not a Debian version:"
                + " character ' ' at 5; the range is skipped",
            feed.resolve("no-id.json") + ": $.id: missing or not a string",
            feed.resolve("tracker.json")
                + ": $['curl']['CVE-2024-1'].releases.bookworm.fixed_version: missing for a resolved"
                + " entry",
            feed.resolve("tracker.json")
                + ": $['curl']['CVE-2024-2'].releases.bookworm.status: 'fixed?' is not resolved,"
                + " open or undetermined",
            feed.resolve("tracker.json")
                + ": $['curl']['CVE-2024-3'].releases.bookworm.fixed_version: '1:' is not a Debian"
                + " version: the upstream version is empty",
            feed.resolve("tracker.json")
                + ": $['curl']['CVE-2024-4'].releases: missing or not an object");
    // The good file and the good range of the bad one still count.
    assertThat(db.forSource("openssl")).extracting(Advisory::id).containsExactly("DSA-5532-1");
    assertThat(db.forSource("curl")).extracting(Advisory::id).containsExactly("DSA-2");
    assertThat(db.forSource("curl").get(0).affected().get(0).ranges()).hasSize(1);
  }

  @Test
  void refusesZipEntriesThatEscapeAndNeverExtracts() throws Exception {
    Path zip =
        Feeds.zip(
            tmp.resolve("feed.zip"),
            Map.of(
                "../../evil.json",
                Feeds.ZLIB_OPEN,
                "/abs.json",
                Feeds.ZLIB_OPEN,
                "ok.json",
                Feeds.DSA_OPENSSL));

    AdvisoryDb db = AdvisoryDb.load(zip);

    assertThat(db.warnings())
        .extracting(ScanWarning::message)
        .containsExactly(
            "an entry path that escapes the zip; skipped",
            "an entry path that escapes the zip; skipped");
    assertThat(db.size()).isEqualTo(1);
    assertThat(Files.exists(tmp.resolve("evil.json"))).isFalse();
    assertThat(FeedFiles.escapes("a/../../b.json")).isTrue();
    assertThat(FeedFiles.escapes("a/b..json")).isFalse();
  }

  @Test
  void sizesAreCountedAsBytesArriveNotTakenFromTheZip() throws Exception {
    // 2 MB of JSON whitespace deflates to a few KB: a small zip, a large entry.
    String big = "{\"id\": \"BIG\"" + " ".repeat(2 << 20) + "}";
    Path zip =
        Feeds.zip(tmp.resolve("bomb.zip"), Map.of("big.json", big, "ok.json", Feeds.DSA_OPENSSL));
    assertThat(Files.size(zip)).isLessThan(64 << 10);

    AdvisoryDb db = AdvisoryDb.load(zip, new FeedFiles.Limits(1 << 20, 1L << 30, 100));

    assertThat(db.warnings())
        .extracting(ScanWarning::toString)
        .containsExactly(zip + "!/big.json: larger than 1048576 bytes; skipped");
    assertThat(db.size()).isEqualTo(1);
    assertThatThrownBy(() -> AdvisoryDb.load(zip, new FeedFiles.Limits(1 << 20, 1L << 30, 1)))
        .isInstanceOf(ScanException.class)
        .hasMessageContaining("more than 1 files");
    assertThatThrownBy(() -> AdvisoryDb.load(zip, new FeedFiles.Limits(4 << 20, 1 << 20, 100)))
        .isInstanceOf(ScanException.class)
        .hasMessageContaining("bytes of JSON; give a smaller feed");
  }

  @Test
  void aLinkOutOfTheFeedDirectoryIsNotFollowed() throws Exception {
    Path outside = Files.writeString(tmp.resolve("secret.json"), Feeds.DSA_OPENSSL);
    Path feed = Files.createDirectories(tmp.resolve("feed"));
    Files.createSymbolicLink(feed.resolve("link.json"), outside);

    AdvisoryDb db = AdvisoryDb.load(feed);

    assertThat(db.size()).isZero();
    assertThat(db.warnings())
        .extracting(ScanWarning::message)
        .containsExactly("a link out of " + feed + "; skipped");
  }

  @Test
  void aNotAZipIsAWarningAndAMissingPathAnError() throws Exception {
    Path notZip = Files.writeString(tmp.resolve("feed.zip"), "not a zip");
    assertThat(AdvisoryDb.load(notZip).warnings())
        .singleElement()
        .asString()
        .contains("not a readable zip");
    assertThatThrownBy(() -> AdvisoryDb.load(tmp.resolve("nope")))
        .isInstanceOf(ScanException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void severityComesFromWordsScoresAndUrgencies() {
    assertThat(Cvss.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).contains(9.8);
    assertThat(Cvss.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")).contains(10.0);
    assertThat(Cvss.baseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N")).contains(5.5);
    assertThat(Cvss.baseScore("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N")).contains(3.1);
    assertThat(Cvss.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")).contains(0.0);
    assertThat(Cvss.baseScore("7.5")).contains(7.5);
    assertThat(Cvss.baseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"))
        .isEmpty();
    assertThat(Cvss.baseScore("CVSS:3.1/AV:X")).isEmpty();
    assertThat(Severity.ofScore(9.8)).isEqualTo(Severity.CRITICAL);
    assertThat(Severity.ofScore(7.0)).isEqualTo(Severity.HIGH);
    assertThat(Severity.ofScore(5.5)).isEqualTo(Severity.MEDIUM);
    assertThat(Severity.ofScore(3.1)).isEqualTo(Severity.LOW);
    assertThat(Severity.ofDebianUrgency("low**")).isEqualTo(Severity.LOW);
    assertThat(Severity.ofDebianUrgency("unimportant")).isEqualTo(Severity.LOW);
    assertThat(Severity.ofDebianUrgency("medium*")).isEqualTo(Severity.MEDIUM);
    assertThat(Severity.ofDebianUrgency("high")).isEqualTo(Severity.HIGH);
    assertThat(Severity.ofDebianUrgency("not yet assigned")).isEqualTo(Severity.UNKNOWN);
    assertThat(Severity.ofWord("MODERATE")).contains(Severity.MEDIUM);
    assertThat(Severity.ofWord("whatever")).isEmpty();
    assertThat(Severity.parse("High")).isEqualTo(Severity.HIGH);
    assertThatThrownBy(() -> Severity.parse("severe"))
        .hasMessageContaining("low, medium, high or critical");
    assertThat(List.of(Severity.values())).startsWith(Severity.UNKNOWN, Severity.LOW);
  }
}
