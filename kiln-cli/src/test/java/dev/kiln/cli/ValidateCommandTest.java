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
}
