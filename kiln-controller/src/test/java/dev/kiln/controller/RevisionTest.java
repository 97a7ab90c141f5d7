package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.revision;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionTest {
  @Test
  void contentDigestIgnoresServiceNameAndNumber() {
    Revision a = revision("web", 1, "img", Map.of("A", "1"));
    Revision b = revision("api", 9, "img", Map.of("A", "1"));
    assertThat(a.contentDigest()).isEqualTo(b.contentDigest());
    assertThat(a.renumbered(5).contentDigest()).isEqualTo(a.contentDigest());
    assertThat(a.sameContentAs(b)).isTrue();
  }

  @Test
  void contentDigestChangesWithImageOrAnyConfigField() {
    Revision base = revision("web", 1, "img", Map.of("A", "1"));
    assertThat(revision("web", 1, "img2", Map.of("A", "1")).contentDigest())
        .isNotEqualTo(base.contentDigest());
    assertThat(revision("web", 1, "img", Map.of("A", "2")).contentDigest())
        .isNotEqualTo(base.contentDigest());
    assertThat(revision("web", 1, "img", Map.of("A", "1", "B", "")).contentDigest())
        .isNotEqualTo(base.contentDigest());
  }

  @Test
  void canonicalFormIsUnambiguousWhenValuesContainSeparators() {
    Revision oneVarWithNewline = revision("web", 1, "img", Map.of("A", "1\nenv.B=2"));
    Revision twoVars = revision("web", 1, "img", Map.of("A", "1", "B", "2"));
    Revision equalsInValue = revision("web", 1, "img", Map.of("A", "x=y"));
    Revision equalsInName = revision("web", 1, "img", Map.of("A=x", "y"));
    assertThat(oneVarWithNewline.contentDigest()).isNotEqualTo(twoVars.contentDigest());
    assertThat(equalsInValue.contentDigest()).isNotEqualTo(equalsInName.contentDigest());
  }

  @Test
  void canonicalBytesAreSortedNameValueLines() {
    Revision r = revision("web", 1, "img", Map.of("Z", "last", "A", "first"));
    String text = new String(r.canonicalBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(text).startsWith("image=sha256:");
    assertThat(text.indexOf("env.A=first")).isLessThan(text.indexOf("env.Z=last"));
    assertThat(text).contains("runtime=process\n").contains("volumes.data=/var/lib/app\n");
  }

  @Test
  void networkPrivateKeepsTheDigestItHad_andNoneMakesANewOne() {
    Revision base = revision("web", 1, "img", Map.of("A", "1"));
    RuntimeConfig c = base.config();
    RuntimeConfig none =
        new RuntimeConfig(
            c.env(),
            c.secrets(),
            c.volumes(),
            c.health(),
            c.route(),
            c.resources(),
            c.runtime(),
            "none");
    RuntimeConfig priv =
        new RuntimeConfig(
            c.env(),
            c.secrets(),
            c.volumes(),
            c.health(),
            c.route(),
            c.resources(),
            c.runtime(),
            "private");
    assertThat(new Revision("web", 1, base.image(), priv).contentDigest())
        .isEqualTo(base.contentDigest());
    assertThat(new Revision("web", 1, base.image(), none).contentDigest())
        .isNotEqualTo(base.contentDigest());
    assertThat(none.fields()).containsEntry("network", "none");
  }
}
