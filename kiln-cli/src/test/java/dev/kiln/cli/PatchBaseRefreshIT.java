package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageStore;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln patch} without {@code --keep-base}: the fix is in the {@code debian:} base itself, so
 * only a fresh debootstrap of the suite can bring it in. The home's cached bookworm root stands for
 * one debootstrapped long ago: its dpkg database says base-files is older than the version the
 * suite ships, and an advisory says that version fixes it. The image has no step that touches
 * base-files, so a clean re-scan proves the base was debootstrapped again (from deb.debian.org: its
 * indexes, and the packages not already in the home's package cache) and upgraded from
 * bookworm-updates and bookworm-security (which {@code --plan} names); the fleet then rolls to the
 * new revision.
 */
class PatchBaseRefreshIT {
  /** Where kiln-image's tests keep a debootstrapped bookworm root (made on first use). */
  private static final Path DEBIAN_CACHE = PatchIT.DEBIAN_CACHE;

  /**
   * On tmpfs when there is room ({@link TmpfsTempDir}): the home's debootstrap of the patch, which
   * is most of this test, took 40 s on the build machine's ext4 (dpkg's syncs and inode allocation)
   * and 26 s on tmpfs, of which about 20 s are the download from deb.debian.org; likewise the image
   * unpacks of the apply and the rollout.
   */
  @TempDir(factory = TmpfsTempDir.class)
  Path tmp;

  private ControlPlane cp;
  private Path home;

  @BeforeEach
  void start() {
    home = tmp.resolve("home");
    System.setProperty("kiln.home", home.toString());
    cp =
        ControlPlane.start(
            ServerConfig.defaults(home)
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
  }

  @AfterEach
  void stop() {
    System.clearProperty("kiln.home");
    if (cp != null) {
      try {
        cp.stopFleet("test cleanup");
      } finally {
        cp.close();
      }
    }
  }

  @Test
  void aStaleDebianBase_isDebootstrappedAgain_andTheFleetRolls() throws Exception {
    Path project = Files.createDirectories(tmp.resolve("project"));
    Path opt = Files.createDirectories(project.resolve("opt/www"));
    Files.writeString(opt.resolve("index.html"), "hi\n");
    Files.copy(Path.of("/bin/busybox"), project.resolve("opt/busybox"));
    Files.setPosixFilePermissions(
        project.resolve("opt/busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path file =
        Files.writeString(
            project.resolve("kiln.yaml"),
            """
            images:
              site:
                from: debian:bookworm
                steps:
                  - copy: { src: opt/, dest: /opt/kiln }
                entrypoint: [ /bin/sh, -c, "exec /opt/kiln/busybox httpd -f -p 127.0.0.1:$PORT -h /opt/kiln/www" ]
            services:
              web:
                image: site
                replicas: 1
                health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            """);

    if (!Files.isDirectory(DEBIAN_CACHE.resolve("bookworm"))) {
      // the tests' shared bookworm root, debootstrapped (and normalized) by the baker on first use
      new Baker(
              ImageStore.open(tmp.resolve("scratch/images")),
              tmp.resolve("scratch/cache"),
              BakeOptions.defaults()
                  .withKeysDir(Optional.of(home.resolve("keys")))
                  .withDebianCache(DEBIAN_CACHE))
          .bake(BlueprintParser.parse(file), List.of());
    }
    // The home's cached root, made "old": base-files one revision before what the suite ships.
    Path root = home.resolve("cache/debian/bookworm");
    Files.createDirectories(root.getParent());
    sh("cp", "-a", DEBIAN_CACHE.resolve("bookworm").toString(), root.toString());
    // and the packages it was made from, as a home that debootstrapped it keeps them: the refresh
    // downloads only what changed since (the shared root made before there was a package cache
    // has none, and the refresh downloads them all)
    if (Files.isDirectory(DEBIAN_CACHE.resolve("bookworm.debs")))
      sh(
          "cp",
          "-a",
          DEBIAN_CACHE.resolve("bookworm.debs").toString(),
          root.resolveSibling("bookworm.debs").toString());
    Path status = root.resolve("var/lib/dpkg/status");
    String shipped = version(Files.readString(status), "base-files");
    Files.writeString(
        status,
        Files.readString(status)
            .replaceFirst(
                "(Package: base-files\\n(?:[^\\n]+\\n)*?)Version: " + Pattern.quote(shipped),
                "$1Version: " + Matcher.quoteReplacement(shipped + "~stale")));
    assertThat(version(Files.readString(status), "base-files")).isEqualTo(shipped + "~stale");

    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "3m");
    assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
    ImageStore store = ImageStore.open(home.resolve("images"));
    String stale = store.resolve("site").orElseThrow().digest().toString();

    Path feed =
        Files.writeString(
            tmp.resolve("KILN-2026-2.json"),
            """
            {"id": "KILN-2026-2", "aliases": ["CVE-2026-0002"],
             "affected": [{"package": {"ecosystem": "Debian:12", "name": "base-files"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}],
               "ecosystem_specific": {"urgency": "high"}}]}
            """
                .formatted(shipped));
    FakeKilnServer.Run scan =
        FakeKilnServer.run(
            "scan", "--home", home.toString(), "--fleet", "--advisories", feed.toString());
    assertThat(scan.out()).contains("KILN-2026-2").contains(shipped + "~stale");

    FakeKilnServer.Run plan =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--home",
            home.toString(),
            "--plan",
            "--advisories",
            feed.toString());
    assertThat(plan.exit()).as(plan.out() + plan.err()).isZero();
    assertThat(plan.out())
        .contains(
            "would refresh debian:bookworm from bookworm, bookworm-updates, bookworm-security");

    long started = System.nanoTime();
    FakeKilnServer.Run patch =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--home",
            home.toString(),
            "--advisories",
            feed.toString(),
            "--timeout",
            "3m");
    assertThat(patch.exit()).as(patch.out() + patch.err()).isZero();
    assertThat(patch.out()).contains("refreshing debian:bookworm").contains("re-scan clean: site");
    System.out.println(
        "PatchBaseRefreshIT: "
            + patch.out().lines().filter(l -> l.startsWith("patched ")).findFirst().orElse("")
            + "; kiln patch took "
            + (System.nanoTime() - started) / 1_000_000
            + " ms");
    // The fresh root was upgraded from the security and updates suites, and keeps them for apt.
    assertThat(patch.out())
        .contains("apt-get dist-upgrade from bookworm, bookworm-updates, bookworm-security");
    assertThat(root.resolve("etc/apt/sources.list"))
        .content()
        .contains("bookworm-security")
        .contains("bookworm-updates");

    // The cached root is the fresh one now, and the image on it is new.
    assertThat(version(Files.readString(status), "base-files")).doesNotEndWith("~stale");
    String fresh = store.resolve("site").orElseThrow().digest().toString();
    assertThat(fresh).isNotEqualTo(stale);
    // (seen once in CI under load: the follower's last poll a moment ahead of /v1/services)
    dev.kiln.testkit.Await.untilTrue(
        "revision 2 live",
        () ->
            ApiClient.fromEnvironment()
                    .get("/v1/services")
                    .path("services")
                    .get(0)
                    .path("liveRevision")
                    .asInt()
                == 2);
    // the replaced instance drains before it stops: every running instance is revision 2 soon after
    dev.kiln.testkit.Await.untilTrue(
        "only revision 2 running",
        () -> {
          for (JsonNode i : ApiClient.fromEnvironment().get("/v1/instances").path("instances"))
            if (i.path("state").asText().equals("running") && i.path("revision").asInt() != 2)
              return false;
          return true;
        });
    FakeKilnServer.Run journal =
        FakeKilnServer.run("journal", "--kind", "patch-started", "-o", "json");
    assertThat(journal.out()).contains("KILN-2026-2").contains(stale).contains(fresh);
  }

  /** The Version: of {@code pkg}'s stanza in a dpkg status file. */
  private static String version(String status, String pkg) {
    for (String stanza : status.split("\n\n"))
      if (stanza.startsWith("Package: " + pkg + "\n"))
        for (String line : stanza.split("\n"))
          if (line.startsWith("Version: ")) return line.substring("Version: ".length());
    throw new AssertionError("no " + pkg + " in the dpkg status");
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
  }
}
