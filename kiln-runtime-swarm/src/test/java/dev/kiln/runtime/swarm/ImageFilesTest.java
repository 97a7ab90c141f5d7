package dev.kiln.runtime.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.TestImages;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageFilesTest {
  static final ImageFiles BUSYBOX = read();

  static ImageFiles read() {
    try {
      return ImageFiles.of(TestImages.busybox().build());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void anAbsoluteCommand_isFoundThroughTheImagesSymlinks() {
    assertThat(BUSYBOX.exists("/bin/sh")).isTrue(); // bin/sh -> busybox
    assertThat(BUSYBOX.exists("/usr/../bin//httpd")).isTrue();
    assertThat(BUSYBOX.exists("/bin/no-such-program")).isFalse();
  }

  @Test
  void aBareCommand_isLookedUpInTheImagesPath() {
    assertThat(BUSYBOX.find("httpd", Optional.of("/usr/bin:/bin"))).hasValue("/bin/httpd");
    assertThat(BUSYBOX.find("no-such-program", Optional.of("/bin"))).isEmpty();
    assertThat(BUSYBOX.find("sh", Optional.empty())).hasValue("/bin/sh");
  }
}
