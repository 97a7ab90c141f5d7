package dev.kiln.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * CONTRIBUTING.md's checklists name files; every one of them must exist, so the checklists stay
 * true.
 */
class ContributingPathsTest {
  private static final Pattern PATH =
      Pattern.compile("`((?:kiln-[a-z-]+|docs)/[^`\\s<>]+\\.(?:java|md))`");

  @Test
  void everyFileTheChecklistsNameExists() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    String text = Files.readString(root.resolve("CONTRIBUTING.md"));
    List<String> named = new ArrayList<>();
    Matcher m = PATH.matcher(text.replaceAll("\\s*\\n\\s*", " "));
    while (m.find()) named.add(m.group(1));
    assertThat(named).hasSizeGreaterThan(15);
    assertThat(named).allSatisfy(p -> assertThat(root.resolve(p)).as(p).exists());
    assertThat(root.resolve("docs/architecture.md")).exists();
  }
}
