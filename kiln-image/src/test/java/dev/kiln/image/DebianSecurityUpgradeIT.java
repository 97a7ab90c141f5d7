package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A debian:bookworm root is brought up to bookworm-security: the tests' cached root (made on first
 * use) is copied, told by its dpkg database that a package with a security update is older than
 * that update (as a root debootstrapped before the advisory would be), and upgraded the way {@link
 * DebianBase} upgrades a fresh debootstrap. Every installed package the security suite's Packages
 * index names is then at least at the index's version, compared by {@code dpkg --compare-versions};
 * the staled one exactly at it; two such upgrades give the same layer. Only the upgrade runs (no
 * debootstrap), against the real mirrors.
 */
class DebianSecurityUpgradeIT {
  /** The security suite's index for this host's architecture (only .xz is published). */
  private static final String INDEX =
      DebianSuites.SECURITY_MIRROR + "/dists/bookworm-security/main/binary-%s/Packages.xz";

  @TempDir Path tmp;

  @Test
  void aPackageWithASecurityUpdate_endsAtTheSecuritySuitesVersion() throws Exception {
    Path cached =
        new DebianBase(DebianFixture.CACHE, tmp.resolve("records"), Instant.EPOCH, n -> {})
            .rootfs("bookworm");
    Path root = tmp.resolve("root");
    sh("cp", "-a", cached.toString(), root.toString());
    // As debootstrap leaves it: the suite alone.
    Files.writeString(
        root.resolve("etc/apt/sources.list"), "deb " + DebianSuites.MIRROR + " bookworm main\n");

    String arch = sh("dpkg", "--print-architecture").strip();
    String url = INDEX.formatted(arch);
    Map<String, String> security = index(sh("sh", "-c", "curl -fsS " + url + " | xz -dc"));
    Map<String, String> before = installed(root);
    // The package to stale: installed, with a security version not older than the installed one.
    String pkg =
        before.keySet().stream()
            .filter(security::containsKey)
            .filter(p -> compare(before.get(p), "le", security.get(p)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no package of the root in " + url));
    String fixed = security.get(pkg);
    Path status = root.resolve("var/lib/dpkg/status");
    Files.writeString(
        status,
        Files.readString(status)
            .replaceFirst(
                "(Package: " + Pattern.quote(pkg) + "\\n(?:[^\\n]+\\n)*?)Version: [^\\n]+",
                "$1Version: " + Matcher.quoteReplacement(fixed + "~stale")));
    assertThat(installed(root)).containsEntry(pkg, fixed + "~stale");

    Path twin = tmp.resolve("twin");
    sh("cp", "-a", root.toString(), twin.toString());
    long started = System.nanoTime();
    DebianBase.upgrade("bookworm", root);
    DebianBase.normalize(root);
    long ms = (System.nanoTime() - started) / 1_000_000;
    DebianBase.upgrade("bookworm", twin);
    DebianBase.normalize(twin);
    // The same mirror state gives the same base layer, byte for byte.
    ImageStore store = ImageStore.open(tmp.resolve("store"));
    assertThat(layer(store, twin)).isEqualTo(layer(store, root));

    Map<String, String> after = installed(root);
    assertThat(after).as("the staled package").containsEntry(pkg, fixed);
    List<String> behind = new ArrayList<>();
    for (var e : after.entrySet()) {
      String sec = security.get(e.getKey());
      if (sec != null && !compare(e.getValue(), "ge", sec))
        behind.add(e.getKey() + " " + e.getValue() + " < " + sec);
    }
    assertThat(behind).as("packages behind bookworm-security").isEmpty();
    assertThat(root.resolve("etc/apt/sources.list"))
        .hasContent(DebianSuites.sourcesList("bookworm").strip());
    // Lists and downloaded packages are gone: the root depends on the package versions only.
    assertThat(files(root.resolve("var/lib/apt/lists"))).isEmpty();
    assertThat(files(root.resolve("var/cache/apt"))).isEmpty();
    System.out.println(
        "DebianSecurityUpgradeIT: " + pkg + " -> " + fixed + "; the upgrade took " + ms + " ms");
  }

  /** The root as DebianBase layers it. */
  private static Descriptor layer(ImageStore store, Path root) {
    List<LayerEntry> entries =
        RunStepSnapshot.empty(root).diff(RunStepSnapshot.take(root, p -> false));
    SpecialFiles.setId(entries);
    return new LayerWriter(Instant.EPOCH).write(store, entries);
  }

  /** {@code dpkg-query -W} inside the root (host dpkg with --admindir: nothing runs in it). */
  private static Map<String, String> installed(Path root) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    String text =
        sh(
            "dpkg-query",
            "--admindir=" + root.resolve("var/lib/dpkg"),
            "-W",
            "-f=${Package} ${Version} ${db:Status-Status}\\n");
    for (String line : text.split("\n")) {
      String[] f = line.split(" ");
      if (f.length == 3 && f[2].equals("installed")) out.put(f[0], f[1]);
    }
    return out;
  }

  /** Package → highest Version in a Packages index. */
  private static Map<String, String> index(String packages) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String stanza : packages.split("\n\n")) {
      Optional<String> name = field(stanza, "Package");
      Optional<String> version = field(stanza, "Version");
      if (name.isEmpty() || version.isEmpty()) continue;
      out.merge(name.get(), version.get(), (a, b) -> compare(a, "ge", b) ? a : b);
    }
    return out;
  }

  private static Optional<String> field(String stanza, String name) {
    for (String line : stanza.split("\n"))
      if (line.startsWith(name + ": ")) return Optional.of(line.substring(name.length() + 2));
    return Optional.empty();
  }

  private static boolean compare(String a, String op, String b) {
    try {
      return new ProcessBuilder("dpkg", "--compare-versions", a, op, b).start().waitFor() == 0;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<Path> files(Path dir) throws Exception {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    return out;
  }
}
