package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UnpackLimitsTest {
  @Test
  void sizesReadWithBinaryUnits() {
    assertThat(UnpackLimits.parseSize("512")).isEqualTo(512);
    assertThat(UnpackLimits.parseSize("64k")).isEqualTo(64L << 10);
    assertThat(UnpackLimits.parseSize("8GiB")).isEqualTo(8L << 30);
    assertThat(UnpackLimits.parseSize("2 g")).isEqualTo(2L << 30);
  }

  @Test
  void theEnvironmentOverridesEachLimit_andKeepsTheOthers() {
    UnpackLimits l =
        UnpackLimits.from(Map.of(UnpackLimits.LAYER_ENV, "1g", UnpackLimits.RATIO_ENV, "50"));
    assertThat(l.maxLayerBytes()).isEqualTo(1L << 30);
    assertThat(l.maxRatio()).isEqualTo(50);
    assertThat(l.maxImageBytes()).isEqualTo(UnpackLimits.DEFAULT.maxImageBytes());
    assertThat(UnpackLimits.from(Map.of())).isEqualTo(UnpackLimits.DEFAULT);
  }

  @Test
  void aBadValueIsNamed() {
    assertThatThrownBy(() -> UnpackLimits.from(Map.of(UnpackLimits.IMAGE_ENV, "lots")))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("KILN_MAX_IMAGE_SIZE=lots is not a positive size");
    assertThatThrownBy(() -> UnpackLimits.from(Map.of(UnpackLimits.IMAGE_ENV, "0")))
        .hasMessageContaining("not a positive size");
  }

  @Test
  void humanSizes() {
    assertThat(UnpackLimits.human(8L << 30)).isEqualTo("8 GiB");
    assertThat(UnpackLimits.human(1000)).isEqualTo("1000 bytes");
  }
}
