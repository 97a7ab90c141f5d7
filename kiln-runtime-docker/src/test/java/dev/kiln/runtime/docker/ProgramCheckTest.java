package dev.kiln.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgramCheckTest {
  @Test
  void aBareNameIsSearchedInPathOrder_skippingRelativeEntries() {
    assertThat(ProgramCheck.candidates("httpd", "/usr/bin:rel:/bin", "/srv"))
        .containsExactly("/usr/bin/httpd", "/bin/httpd");
  }

  @Test
  void aPathIsTakenAsIs_andARelativeOneFromTheWorkdir() {
    assertThat(ProgramCheck.candidates("/bin/sh", "/usr/bin", "/srv")).containsExactly("/bin/sh");
    assertThat(ProgramCheck.candidates("./run", "/usr/bin", "/srv")).containsExactly("/srv/./run");
  }
}
