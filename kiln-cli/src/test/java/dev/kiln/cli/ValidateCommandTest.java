package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int kiln(String... args) {
    CommandLine cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void validBlueprint_printsOkAndExits0() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          hello: { from: scratch, copy: [ { src: site/, dest: /www } ] }
          base: { from: "debian:bookworm" }
        services:
          web: { image: hello, replicas: 2, health: { http: / } }
        """);
    Files.createDirectories(dir.resolve("site"));

    int code = kiln("validate", "-f", file.toString());

    assertThat(code).isEqualTo(0);
    assertThat(out.toString())
        .isEqualTo(file + ": ok (2 images, 1 service)" + System.lineSeparator());
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void invalidBlueprint_printsEveryProblemOnStderrAndExits1() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          hello: { form: scratch }
        services:
          web: { image: hello, replicas: many }
        """);

    int code = kiln("validate", "--file", file.toString());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString().lines())
        .containsExactly(
            file
                + ":2:3: images.hello: missing required key 'from'; write from: scratch for an"
                + " empty image; valid forms: scratch | debian:<suite> | oci:<dir>[:<tag>] |"
                + " docker-archive:<tar> | image:<name>",
            file
                + ":2:12: images.hello: unknown key 'form'; did you mean 'from'? valid keys: from,"
                + " steps, copy, run, env, workdir, user, entrypoint, cmd, expose, labels, test",
            file + ":4:34: services.web.replicas: expected a whole number, got a string 'many'");
  }

  @Test
  void missingFile_isAClearErrorAndExits1() {
    Path missing = dir.resolve("missing.yaml");

    int code = kiln("validate", "-f", missing.toString());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            missing
                + ": no such file; create it, or point to it with -f <file>"
                + System.lineSeparator());
  }

  @Test
  void whatBakeWouldRefuse_validateRefusesFirst_eachAtItsPosition() throws Exception {
    Path project = Files.createDirectories(dir.resolve("project"));
    Files.createDirectories(project.resolve("site"));
    Files.writeString(dir.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(project.resolve("site/leak"), Path.of("../../secret.txt"));
    Files.createSymbolicLink(project.resolve("etc"), Path.of("/etc"));
    Path file = project.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          a: { from: scratch, copy: [ { src: site/, dest: /www } ] }
          b: { from: scratch, copy: [ { src: etc/, dest: /e } ] }
          c: { from: scratch, copy: [ { src: nope, dest: /n } ] }
          d: { from: "oci:build/out" }
          e: { from: scratch, copy: [ { src: etc, dest: /../../tmp/x } ] }
        """);
    String real = project.toRealPath().toString();

    int code = kiln("validate", "-f", file.toString());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString().lines())
        .containsExactly(
            file
                + ":2:38: images.a.copy[0].src: copy source site/: symlink leak ->"
                + " ../../secret.txt points outside the copied folder; only relative links inside"
                + " it are copied (replace it with the file, or copy its target separately)",
            file
                + ":3:38: images.b.copy[0].src: copy source etc/ resolves to /etc, outside the"
                + " blueprint folder "
                + real
                + " (through a symlink)",
            file + ":4:38: images.c.copy[0].src: copy source nope not found under " + real,
            file
                + ":5:14: images.d.from: base oci:"
                + project.resolve("build/out")
                + " is not a folder; paths of bases are relative to the blueprint folder "
                + project,
            file
                + ":6:38: images.e.copy[0].src: copy source etc resolves to /etc, outside the"
                + " blueprint folder "
                + real
                + " (through a symlink)",
            file
                + ":6:49: images.e.copy[0].dest: copy dest /../../tmp/x may not contain .. (it"
                + " would leave the image root); write the path as it is in the image");

    StringWriter bakeErr = new StringWriter();
    CommandLine bake = KilnCommand.commandLine();
    bake.setErr(new PrintWriter(bakeErr, true));
    int bakeCode =
        bake.execute("bake", "--home", dir.resolve("home").toString(), "-f", file.toString());
    assertThat(bakeCode).isEqualTo(1);
    assertThat(bakeErr.toString()).contains("the blueprint has 6 problems:");
    assertThat(dir.resolve("home/images")).doesNotExist();
  }
}
