package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.router.RouterJvm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An environment's router starts small; the main router keeps the options it was measured with. */
class EnvironmentRouterJvmTest {
  @Test
  void anEnvironmentsRouter_isNotPreTouched_andStartsSmall_underTheMainRoutersCeiling() {
    List<String> main = RouterJvm.options(2, 24L << 30);

    assertThat(EnvironmentRouterJvm.options(main))
        .containsExactly(
            "-Xms64m",
            "-Xmx1024m",
            "-XX:+UseParallelGC",
            "-XX:ParallelGCThreads=2",
            "-XX:+PerfDisableSharedMem",
            "-Dio.netty.leakDetection.level=disabled",
            "--enable-native-access=ALL-UNNAMED");
  }

  @Test
  void theMainRouter_keepsItsFixedPreTouchedHeap() {
    // what bench/router.sh measures: unchanged by the environments' choice
    assertThat(RouterJvm.options(2, 24L << 30))
        .contains("-Xms1024m", "-Xmx1024m", "-Xmn768m", "-XX:+AlwaysPreTouch");
  }

  @Test
  void theClassDataOptions_staySoAnEnvironmentsRouterStartsAsFast() {
    List<String> main = new ArrayList<>(RouterJvm.options(1, 1L << 30));
    main.add("-XX:AOTCache=/home/router/router.aot");

    assertThat(EnvironmentRouterJvm.options(main))
        .contains("-Xmx256m", "-XX:AOTCache=/home/router/router.aot")
        .doesNotContain("-Xms256m", "-Xmn192m", "-XX:+AlwaysPreTouch");
  }
}
