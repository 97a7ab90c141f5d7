package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.model.Blueprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code validate} refuses what {@code bake} would refuse before any work, at the position of the
 * offending value: a table of blueprints over a real folder (files, symlinks, a FIFO, hard links).
 */
class BlueprintFolderTest {
  static final String IMAGE = "images:\n  app:\n    from: scratch\n";

  @TempDir Path tmp;
  Path folder;
  Path file;

  /**
   * tmp/secret.txt (outside), and in tmp/bp: kiln.yaml, site/index.html, notes.txt, to-etc -> /etc
   * and to-secret -> ../secret.txt; leaky/ holds up -> ../../secret.txt; absolute/ holds abs ->
   * /etc/hostname; fifo/ holds a FIFO; linked/ holds a hard link to tmp/secret.txt; build.tar is a
   * file and out/ a folder.
   */
  @BeforeEach
  void aBlueprintFolder() throws Exception {
    folder = Files.createDirectories(tmp.resolve("bp"));
    file = folder.resolve("kiln.yaml");
    Files.writeString(tmp.resolve("secret.txt"), "secret");
    Files.createDirectories(folder.resolve("site"));
    Files.writeString(folder.resolve("site/index.html"), "<h1>hi</h1>");
    Files.writeString(folder.resolve("notes.txt"), "notes");
    Files.createSymbolicLink(folder.resolve("to-etc"), Path.of("/etc"));
    Files.createSymbolicLink(folder.resolve("to-secret"), Path.of("../secret.txt"));
    Files.createDirectories(folder.resolve("leaky"));
    Files.createSymbolicLink(folder.resolve("leaky/up"), Path.of("../../secret.txt"));
    Files.createDirectories(folder.resolve("absolute"));
    Files.createSymbolicLink(folder.resolve("absolute/abs"), Path.of("/etc/hostname"));
    Files.createDirectories(folder.resolve("fifo"));
    Process mkfifo = new ProcessBuilder("mkfifo", folder.resolve("fifo/pipe").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    Files.createDirectories(folder.resolve("linked"));
    Files.createLink(folder.resolve("linked/secret.txt"), tmp.resolve("secret.txt"));
    Files.writeString(folder.resolve("build.tar"), "not really a tar");
    Files.createDirectories(folder.resolve("out"));
  }

  static Stream<Arguments> refusedByBake() {
    return Stream.of(
        // yaml after IMAGE (or whole), "line:column: message" with {dir} = the real folder
        bad(
            IMAGE + "    copy: [ { src: site/, dest: /../../tmp/x } ]\n",
            "4:33: images.app.copy[0].dest: copy dest /../../tmp/x may not contain .. (it would"
                + " leave the image root)"),
        bad(
            IMAGE + "    copy: [ { src: site/, dest: /www/../../etc } ]\n",
            "4:33: images.app.copy[0].dest: copy dest /www/../../etc may not contain .. (it would"
                + " leave the image root)"),
        bad(
            IMAGE + "    copy: [ { src: nope/, dest: /www } ]\n",
            "4:20: images.app.copy[0].src: copy source nope/ not found under {dir}"),
        bad(
            IMAGE + "    copy: [ { src: to-etc/, dest: /etc } ]\n",
            "4:20: images.app.copy[0].src: copy source to-etc/ resolves to /etc, outside the"
                + " blueprint folder {dir} (through a symlink)"),
        bad(
            IMAGE + "    copy: [ { src: to-secret, dest: /s } ]\n",
            "4:20: images.app.copy[0].src: copy source to-secret resolves to {tmp}/secret.txt,"
                + " outside the blueprint folder {dir} (through a symlink)"),
        bad(
            IMAGE + "    copy: [ { src: leaky/, dest: /l } ]\n",
            "4:20: images.app.copy[0].src: copy source leaky/: symlink up -> ../../secret.txt"
                + " points outside the copied folder; only relative links inside it are copied"
                + " (replace it with the file, or copy its target separately)"),
        bad(
            IMAGE + "    copy: [ { src: absolute, dest: /a } ]\n",
            "4:20: images.app.copy[0].src: copy source absolute: symlink abs -> /etc/hostname"
                + " points outside the copied folder; only relative links inside it are copied"
                + " (replace it with the file, or copy its target separately)"),
        bad(
            IMAGE + "    copy: [ { src: fifo/, dest: /f } ]\n",
            "4:20: images.app.copy[0].src: copy source fifo/: pipe is not a file, folder or"
                + " symlink (a socket, fifo or device?)"),
        bad(
            IMAGE + "    copy: [ { src: linked/, dest: /k } ]\n",
            "4:20: images.app.copy[0].src: copy source linked/ contains a hard link to a file"
                + " outside it (2 links, 1 under {dir}/linked); copy the file instead of linking"
                + " it"),
        bad(
            IMAGE + "    copy: [ { src: notes.txt/, dest: /n } ]\n",
            "4:20: images.app.copy[0].src: copy source notes.txt/ is a file, not a folder"),
        bad(
            IMAGE + "    steps: [ { copy: { src: missing.txt, dest: /m } } ]\n",
            "4:29: images.app.steps[0].copy.src: copy source missing.txt not found under {dir}"),
        bad(
            "images:\n  app:\n    from: oci:build/out:v1\n",
            "3:11: images.app.from: base oci:{dir}/build/out is not a folder"),
        bad(
            "images:\n  app:\n    from: oci:build.tar\n",
            "3:11: images.app.from: base oci:{dir}/build.tar is not a folder"),
        bad(
            "images:\n  app:\n    from: docker-archive:missing.tar\n",
            "3:11: images.app.from: base docker-archive:{dir}/missing.tar is not a file"),
        bad(
            "images:\n  app:\n    from: docker-archive:out\n",
            "3:11: images.app.from: base docker-archive:{dir}/out is not a file"));
  }

  private static Arguments bad(String yaml, String expected) {
    return Arguments.of(yaml, expected);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("refusedByBake")
  void whatBakeWouldRefuse_isALocatedProblem(String yaml, String expected) throws Exception {
    Files.writeString(file, yaml);

    List<Problem> problems =
        catchThrowableOfType(BlueprintException.class, () -> BlueprintParser.parse(file))
            .problems();

    String real = folder.toRealPath().toString();
    assertThat(problems)
        .extracting(BlueprintProblemsTest::located)
        .containsExactly(
            expected
                .replace("{dir}", real)
                .replace("{tmp}", tmp.toRealPath().toString())
                .replace("oci:" + real, "oci:" + folder)
                .replace("docker-archive:" + real, "docker-archive:" + folder));
    assertThat(problems.get(0).at().file()).isEqualTo(file);
  }

  @Test
  void sourcesAndBasesThatAreThere_areAccepted() throws Exception {
    Files.writeString(
        file,
        """
        images:
          base: { from: "oci:out" }
          app:
            from: image:base
            copy:
              - { src: site/, dest: /www }
              - { src: site, dest: /srv/ }
              - { src: notes.txt, dest: /etc/notes, mode: "0600" }
              - { src: ., dest: /all/ }
        """
            .replace("- { src: ., dest: /all/ }\n", ""));

    Blueprint b = BlueprintParser.parse(file);

    assertThat(b.image("app").orElseThrow().steps()).hasSize(3);
  }

  @Test
  void aRelativeSymlinkInsideTheCopiedFolder_isAccepted() throws Exception {
    Files.createSymbolicLink(folder.resolve("site/home.html"), Path.of("index.html"));
    Files.writeString(file, IMAGE + "    copy: [ { src: site/, dest: /www } ]\n");

    assertThat(BlueprintParser.parse(file).images()).containsOnlyKeys("app");
  }

  @Test
  void content_withoutItsFolder_isCheckedOnlyAsText() {
    String yaml =
        "images:\n  app:\n    from: oci:nowhere\n    copy: [ { src: nope/, dest: /www } ]\n";

    Blueprint b = BlueprintParser.parse(folder.resolve("elsewhere.yaml"), yaml);

    assertThat(b.images()).containsOnlyKeys("app");
  }

  @Test
  void aDestLeavingTheImageRoot_isRefusedEvenAsText() {
    List<Problem> problems =
        BlueprintProblemsTest.problems(IMAGE + "    copy: [ { src: a, dest: /../../tmp/x } ]\n");

    assertThat(problems)
        .extracting(BlueprintProblemsTest::located)
        .containsExactly(
            "4:29: images.app.copy[0].dest: copy dest /../../tmp/x may not contain .. (it would"
                + " leave the image root)");
  }
}
