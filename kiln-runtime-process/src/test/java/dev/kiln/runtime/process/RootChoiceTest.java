package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.runtime.RuntimeDriverException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RootChoiceTest {
  private final List<RootKind> asked = new ArrayList<>();

  private Function<RootKind, Optional<String>> host(Map<RootKind, String> missing) {
    return kind -> {
      asked.add(kind);
      return Optional.ofNullable(missing.get(kind));
    };
  }

  @Test
  void auto_prefersErofs_andProbesNothingElse() {
    assertThat(RootChoice.choose("auto", true, host(Map.of())))
        .isEqualTo(new RootChoice(RootKind.EROFS, Optional.empty()));
    assertThat(asked).containsExactly(RootKind.EROFS);
  }

  @Test
  void auto_takesSquashfs_whenErofsIsNotAvailable() {
    assertThat(RootChoice.choose("auto", true, host(Map.of(RootKind.EROFS, "no erofs module"))))
        .isEqualTo(new RootChoice(RootKind.SQUASHFS, Optional.empty()));
  }

  @Test
  void auto_fallsBackToTheTree_withEveryReason() {
    RootChoice choice =
        RootChoice.choose(
            "auto",
            true,
            host(Map.of(RootKind.EROFS, "no loop devices", RootKind.SQUASHFS, "no loop devices")));
    assertThat(choice.kind()).isEqualTo(RootKind.TREE);
    assertThat(choice.fallback()).contains("erofs: no loop devices; squashfs: no loop devices");
  }

  @Test
  void withoutASandbox_autoIsTheTree_withoutProbing() {
    assertThat(RootChoice.choose("auto", false, host(Map.of())).kind()).isEqualTo(RootKind.TREE);
    assertThat(asked).isEmpty();
  }

  @Test
  void anExplicitKindThatCannotBeUsed_isAClearError_notASilentFallback() {
    assertThatThrownBy(
            () ->
                RootChoice.choose(
                    "erofs", true, host(Map.of(RootKind.EROFS, "mkfs.erofs is not installed"))))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("root-image=erofs cannot be used on this host")
        .hasMessageContaining("mkfs.erofs is not installed");
    assertThatThrownBy(() -> RootChoice.choose("squashfs", false, host(Map.of())))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("not sandboxed");
  }

  @Test
  void explicitKinds_andTree() {
    assertThat(RootChoice.choose("squashfs", true, host(Map.of())).kind())
        .isEqualTo(RootKind.SQUASHFS);
    assertThat(RootChoice.choose("tree", true, host(Map.of())))
        .isEqualTo(new RootChoice(RootKind.TREE, Optional.empty()));
    assertThat(asked).containsExactly(RootKind.SQUASHFS);
  }

  @Test
  void anUnknownKind_isNamed() {
    assertThatThrownBy(() -> RootChoice.choose("ext4", true, host(Map.of())))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("root-image=ext4 is not one of auto, erofs, squashfs, tree");
  }

  @Test
  void theKindOfARecordedRoot() {
    assertThat(RootKind.ofRoot("/k/rootfs/ab/mnt")).isEqualTo(RootKind.EROFS);
    assertThat(RootKind.ofRoot("/k/rootfs/ab/mnt-squashfs")).isEqualTo(RootKind.SQUASHFS);
    assertThat(RootKind.ofRoot("/k/rootfs/ab/root")).isEqualTo(RootKind.TREE);
  }
}
