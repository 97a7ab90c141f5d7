package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerCommandTest {
  @Test
  void addressesDefaultToLoopbackAndCanBeOverridden() {
    HomeOption home = new HomeOption();
    home.home = Optional.of(Path.of("/tmp/kiln-home"));
    var defaults = ServerCommand.config(home, Optional.empty(), Optional.empty());
    assertThat(defaults.api().getPort()).isEqualTo(7878);
    assertThat(defaults.router().getPort()).isEqualTo(8080);
    assertThat(defaults.home()).isEqualTo(Path.of("/tmp/kiln-home"));
    var custom = ServerCommand.config(home, Optional.of("0.0.0.0:9000"), Optional.of(":9080"));
    assertThat(custom.api().getHostString()).isEqualTo("0.0.0.0");
    assertThat(custom.router().getHostString()).isEqualTo("127.0.0.1");
    assertThat(custom.router().getPort()).isEqualTo(9080);
  }

  @Test
  void routerTls_takesOneOrMoreHttpsListeners() {
    ServerCommand cmd = new ServerCommand();
    new picocli.CommandLine(cmd).parseArgs("--router-tls", "127.0.0.1:8443,:9443");
    assertThat(cmd.routerTls).containsExactly("127.0.0.1:8443", ":9443");
    var c =
        ServerCommand.config(new HomeOption(), Optional.empty(), Optional.empty())
            .withRouterTls(
                cmd.routerTls.stream().map(dev.kiln.server.ServerConfig::address).toList());
    assertThat(c.routerTls()).extracting(a -> a.getPort()).containsExactly(8443, 9443);
  }

  /** kiln up's router pins its loops like a router process, and -Dkiln.router.pin=false not. */
  @Test
  void aUsersRouterPinsItsLoops_unlessThePropertySaysFalse() {
    HomeOption home = new HomeOption();
    String property = dev.kiln.server.RouterProcess.PIN_PROPERTY;
    String saved = System.getProperty(property);
    try {
      System.clearProperty(property);
      assertThat(ServerCommand.config(home, Optional.empty(), Optional.empty()).pinRouterLoops())
          .isTrue();
      System.setProperty(property, "false");
      assertThat(ServerCommand.config(home, Optional.empty(), Optional.empty()).pinRouterLoops())
          .isFalse();
    } finally {
      if (saved == null) System.clearProperty(property);
      else System.setProperty(property, saved);
    }
    // a control plane made in code (tests) leaves its router's loops to the scheduler
    assertThat(dev.kiln.server.ServerConfig.defaults(Path.of("/tmp/k")).pinRouterLoops()).isFalse();
  }

  @Test
  void aBadAddressIsAClearError() {
    HomeOption home = new HomeOption();
    assertThatThrownBy(() -> ServerCommand.config(home, Optional.of("nonsense"), Optional.empty()))
        .hasMessageContaining("HOST:PORT");
  }
}
