package dev.kiln.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The null-safety gate stays a gate: the root pom runs Error Prone with NullAway on every module's
 * main code at the severity {@code kiln.nullaway} (ERROR), and only the modules listed here may
 * lower it while their findings are fixed. A new module cannot opt out silently; a module that is
 * fixed is removed from the list (the test fails until it is, so the list cannot go stale).
 */
class NullSafetyGateTest {
  /** Modules whose NullAway findings are still warnings; see CONTRIBUTING.md. */
  private static final List<String> STILL_WARN = List.of();

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern SEVERITY =
      Pattern.compile("<kiln\\.nullaway>\\s*([A-Z]+)\\s*</kiln\\.nullaway>");

  @Test
  void theRootPom_runsErrorProneAndNullAway_asAnError() throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(pom)
        .contains("-Xplugin:ErrorProne")
        .contains("-XepOpt:NullAway:AnnotatedPackages=dev.kiln")
        .contains("-Xep:NullAway:${kiln.nullaway}")
        .contains("<artifactId>error_prone_core</artifactId>")
        .contains("<artifactId>nullaway</artifactId>");
    assertThat(severities(pom)).containsExactly("ERROR");
    // javac's internals are opened for Error Prone in the in-process compiler
    assertThat(Files.readString(ROOT.resolve(".mvn/jvm.config")))
        .contains("--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED");
  }

  @Test
  void onlyTheListedModules_lowerNullAwayToAWarning() throws IOException {
    List<String> lowered = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ROOT)) {
      for (Path pom :
          modules.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).toList()) {
        List<String> set = severities(Files.readString(pom));
        if (!set.isEmpty() && !set.equals(List.of("ERROR"))) {
          lowered.add(pom.getParent().getFileName().toString());
        }
      }
    }
    assertThat(lowered).containsExactlyInAnyOrderElementsOf(STILL_WARN);
  }

  private static List<String> severities(String pom) {
    List<String> out = new ArrayList<>();
    Matcher m = SEVERITY.matcher(pom);
    while (m.find()) out.add(m.group(1));
    return out;
  }
}
