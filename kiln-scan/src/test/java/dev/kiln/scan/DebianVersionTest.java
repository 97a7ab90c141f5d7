package dev.kiln.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DebianVersionTest {
  /** Each pair is ordered first < second, as dpkg --compare-versions says (checked by hand). */
  private static final String[][] ASCENDING = {
    {"1.0~rc1", "1.0"},
    {"1.0~~", "1.0~"},
    {"1.0~rc1", "1.0~rc2"},
    {"1.0", "1.0.1"},
    {"1.0", "1.0a"},
    {"1.0a", "1.0+"},
    {"1.0a", "1.0.1"},
    {"2.36-9", "2.36-9+deb12u4"},
    {"2.36-9+deb12u3", "2.36-9+deb12u4"},
    {"2.36-9+deb12u9", "2.36-9+deb12u10"},
    {"1.1.0l-1~deb9u5", "1.1.0l-1~deb9u6"},
    {"1.1.0l-1~deb9u6", "1.1.0l-1"},
    {"9:1.0", "10:0.1"},
    {"5.36.0-7", "1:1.0"},
    {"1:1.2.11.dfsg-1+deb10u1", "1:1.2.11.dfsg-1+deb10u2"},
    {"0.0~git20230605155624-1", "0.0~git20230605155625-1"},
    {"1.9", "1.10"},
    {"1.01a", "1.1b"},
    {"1a", "1.0"},
    {"1.0-1", "1.0-1.1"},
    {"1.0-A", "1.0-a"},
  };

  @Test
  void ordersAsDpkgDoes() {
    for (String[] p : ASCENDING) {
      assertThat(DebianVersion.compare(p[0], p[1])).as(p[0] + " < " + p[1]).isNegative();
      assertThat(DebianVersion.compare(p[1], p[0])).as(p[1] + " > " + p[0]).isPositive();
    }
  }

  @Test
  void ordersLettersAgainstTheEndOfAString() {
    // After "1.", "a" meets "0": the digit run of "1.0" starts, which weighs like the end (0),
    // and any letter outweighs that: 1.a > 1.0 (dpkg agrees).
    assertThat(DebianVersion.compare("1.a", "1.0")).isPositive();
    assertThat(DebianVersion.compare("1.a", "1a")).isPositive(); // '.' outweighs every letter
  }

  @Test
  void treatsAnAbsentRevisionAsZeroAndIgnoresLeadingZeros() {
    assertThat(DebianVersion.compare("1.0", "1.0-0")).isZero();
    assertThat(DebianVersion.compare("0:1.0", "1.0")).isZero();
    assertThat(DebianVersion.compare("1.001", "1.1")).isZero();
    assertThat(DebianVersion.compare("1.0", "1.00")).isZero();
  }

  @Test
  void comparesDigitRunsOfAnyLength() {
    assertThat(DebianVersion.compare("1.99999999999999999999999", "1.100000000000000000000000"))
        .isNegative();
  }

  @Test
  void splitsEpochAtTheFirstColonAndRevisionAtTheLastHyphen() {
    DebianVersion v = DebianVersion.parse("1:2.3-4:5-6");
    assertThat(v.epoch()).isEqualTo(1);
    assertThat(v.upstream()).isEqualTo("2.3-4:5");
    assertThat(v.revision()).isEqualTo("6");
    assertThat(v).hasToString("1:2.3-4:5-6");
    assertThat(DebianVersion.parse("2.36-9+deb12u4")).hasToString("2.36-9+deb12u4");
  }

  @Test
  void refusesWhatIsNoVersionSayingWhy() {
    assertThatThrownBy(() -> DebianVersion.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> DebianVersion.parse("1.0 beta")).hasMessageContaining("character ' '");
    assertThatThrownBy(() -> DebianVersion.parse("a:1.0")).hasMessageContaining("epoch");
    assertThatThrownBy(() -> DebianVersion.parse("99999999999:1.0"))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> DebianVersion.parse("1.0-")).hasMessageContaining("revision");
    assertThatThrownBy(() -> DebianVersion.parse("1:-1")).hasMessageContaining("upstream");
  }
}
