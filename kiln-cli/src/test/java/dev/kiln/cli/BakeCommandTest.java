package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kiln bake} end to end on a scratch + copy blueprint (no sandbox needed). */
class BakeCommandTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new BakeCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] withHome = new String[args.length + 2];
    withHome[0] = "--home";
    withHome[1] = tmp.resolve("home").toString();
    System.arraycopy(args, 0, withHome, 2, args.length);
    int code = cli.execute(withHome);
    return new Run(code, out.toString(), err.toString());
  }

  Path blueprint() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("project"));
    Files.createDirectories(dir.resolve("site"));
    Files.writeString(dir.resolve("site/index.html"), "<h1>hello</h1>\n");
    return Files.writeString(
        dir.resolve("kiln.yaml"),
        """
        images:
          site:
            from: scratch
            copy:
              - { src: site/, dest: /www }
        """);
  }

  @Test
  void bake_printsStepsAndDigest_thenRebakeIsCached_andCheckSaysReproducible() throws Exception {
    Path file = blueprint();
    Run first = kiln("-f", file.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("[1/1] copy site/ -> /www")
        .containsPattern("site  sha256:[0-9a-f]{64}");
    assertThat(first.out()).contains("unsigned: run `kiln keygen`");

    Run again = kiln("-f", file.toString(), "site");
    assertThat(again.out()).contains("[1/1] copy site/ -> /www (cached)");

    Run check = kiln("-f", file.toString(), "--check");
    assertThat(check.code()).isZero();
    assertThat(check.out()).containsPattern("site  reproducible: sha256:[0-9a-f]{64}");
    assertThat(Files.exists(tmp.resolve("home/images/index.json"))).isTrue();
  }

  @Test
  void check_exits1_namingTheNondeterministicStep() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("box/bin"));
    Files.copy(Path.of("/bin/busybox"), dir.resolve("busybox"));
    dir.resolve("busybox").toFile().setExecutable(true);
    Files.createSymbolicLink(dir.resolve("sh"), Path.of("busybox"));
    Path file =
        Files.writeString(
            dir.getParent().resolve("kiln.yaml"),
            """
            images:
              box:
                from: scratch
                copy: [ { src: bin/, dest: /bin } ]
                run: "cat /proc/sys/kernel/random/uuid > /id"
            """);
    Run run = kiln("-f", file.toString(), "--check");
    assertThat(run.code()).as(run.err()).isEqualTo(1);
    assertThat(run.out())
        .contains("box  NOT reproducible: layer 2 (run cat /proc/sys/kernel/random/uuid > /id");
  }

  @Test
  void missingCopySource_exits1_withTheLocatedMessage() throws Exception {
    Path file = blueprint();
    Files.writeString(file, Files.readString(file).replace("site/", "nosite/"));
    Run run = kiln("-f", file.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err())
        .contains("error: ")
        .contains("kiln.yaml:5:")
        .contains("images.site.copy[0].src")
        .contains("copy source nosite/ not found under");
  }

  @Test
  void unknownImage_exits1() throws Exception {
    Run run = kiln("-f", blueprint().toString(), "nope");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("no image named nope");
  }
}
