package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.model.Blueprint;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounds before work: what is not a blueprint-sized YAML file is refused before it is parsed, and
 * what is too deep or too aliased is refused with a position. The timeouts only turn a hang (the
 * bug these tests guard against) into a failure; the times are logged, not asserted.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BlueprintBoundsTest {
  @TempDir Path dir;

  @Test
  void aFifo_isRefusedWithoutOpeningIt() throws Exception {
    Path fifo = dir.resolve("kiln.yaml");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();

    BlueprintException e = refused(fifo);

    assertThat(e.getMessage())
        .isEqualTo(
            fifo
                + ": is not a regular file (a FIFO, socket or device?), so it was not read; a"
                + " blueprint is a YAML file; point to it with -f <file>");
  }

  @Test
  void aDevice_isRefusedWithoutReadingIt() {
    BlueprintException e = refused(Path.of("/dev/zero"));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.getMessage()).startsWith("/dev/zero: is not a regular file");
  }

  @Test
  void aFolder_isRefusedWithAHint() {
    assertThat(refused(dir).getMessage())
        .isEqualTo(
            dir
                + ": is a folder, not a blueprint file; point to the kiln.yaml inside it with -f"
                + " <folder>/kiln.yaml");
  }

  @Test
  void aFileOverTheLimit_isRefusedFromItsSizeAlone() throws Exception {
    Path big = dir.resolve("kiln.yaml");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(50L * 1024 * 1024); // sparse: the size is all the parser may look at
    }

    BlueprintException e = refused(big);

    assertThat(e.getMessage())
        .startsWith(big + ": is 52428800 bytes; a blueprint may be at most 3145728 bytes (3 MiB)");
  }

  @Test
  void a50MegabyteScalar_isRefusedBeforeParsing() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    String yaml = "images:\n  app:\n    from: \"" + "x".repeat(50 * 1024 * 1024) + "\"\n";
    Files.writeString(file, yaml);

    long start = System.nanoTime();
    BlueprintException fromFile = refused(file);
    BlueprintException fromContent =
        catchThrowableOfType(BlueprintException.class, () -> BlueprintParser.parse(file, yaml));
    log("50 MB scalar refused (file and content) in", start);

    assertThat(fromFile.getMessage()).contains("is 52428828 bytes; a blueprint may be at most");
    assertThat(fromContent.getMessage()).contains("a blueprint may be at most 3145728 bytes");
  }

  @Test
  void aLargeScalarUnderTheLimit_stillParses() {
    String label = "x".repeat(3_000_000);

    long start = System.nanoTime();
    Blueprint b =
        BlueprintParser.parse(
            dir.resolve("kiln.yaml"),
            "images:\n  app:\n    from: scratch\n    labels: { big: \"" + label + "\" }\n");
    log("3,000,000-character scalar parsed in", start);

    assertThat(b.image("app").orElseThrow().labels().get("big")).hasSize(3_000_000);
  }

  @Test
  void deepFlowNesting_isALocatedProblem_notAStackOverflow() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.writeString(file, "images: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n");

    long start = System.nanoTime();
    BlueprintException e = refused(file);
    log("100,000-deep nesting refused in", start);

    assertThat(e.problems()).hasSize(1);
    // images: is level 1, the 64th bracket (column 9 + 63) is level 65.
    assertThat(e.getMessage())
        .isEqualTo(
            file
                + ":1:72: nested more than 64 levels deep, so it was not parsed; a blueprint needs"
                + " a handful of levels; look for unbalanced [ or {");
  }

  @Test
  void deepBlockNesting_isLocatedAtItsLine() {
    StringBuilder yaml = new StringBuilder();
    for (int level = 0; level < 100; level++) yaml.append(" ".repeat(level)).append("k:\n");

    BlueprintException e =
        catchThrowableOfType(
            BlueprintException.class,
            () -> BlueprintParser.parse(Path.of("kiln.yaml"), yaml.toString()));

    assertThat(e.getMessage()).startsWith("kiln.yaml:65:65: nested more than 64 levels deep");
  }

  @Test
  void anAliasBomb_isALocatedProblem() {
    StringBuilder yaml = new StringBuilder("x-a0: &a0 [ lol, lol ]\n");
    for (int i = 1; i < 30; i++) {
      yaml.append("x-a").append(i).append(": &a").append(i).append(" [ ");
      yaml.append(("*a" + (i - 1) + ", ").repeat(9)).append("*a").append(i - 1).append(" ]\n");
    }

    BlueprintException e =
        catchThrowableOfType(
            BlueprintException.class,
            () -> BlueprintParser.parse(Path.of("kiln.yaml"), yaml.toString()));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.getMessage()).matches("kiln\\.yaml:\\d+:\\d+: YAML.*aliases.*(?s).*");
  }

  @Test
  void aBlueprintThatIsNotUtf8_isRefused() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.write(
        file, "images: { app: { from: \"\u00e9\" } }".getBytes(StandardCharsets.ISO_8859_1));

    assertThat(refused(file).getMessage())
        .isEqualTo(file + ": is not UTF-8 text; save the blueprint as UTF-8");
  }

  private static BlueprintException refused(Path file) {
    return catchThrowableOfType(BlueprintException.class, () -> BlueprintParser.parse(file));
  }

  private static void log(String what, long startNanos) {
    System.out.printf("%s %d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
  }
}
