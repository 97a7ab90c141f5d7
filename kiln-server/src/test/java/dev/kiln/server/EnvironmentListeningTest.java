package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where `kiln env list` says an environment's router listens. */
class EnvironmentListeningTest {
  private static final String MAIN = "127.0.0.1:18090";

  @Test
  void anEnvironmentWhoseRouterHasNotStarted_listensNowhere_notOnTheServersRouter() {
    // production declared on :18092, never applied: the server's :18090 serves other services
    assertThat(EnvironmentApi.listening("127.0.0.1:18092", Optional.empty(), MAIN)).isEmpty();
  }

  @Test
  void itsOwnRouter_orTheServersWhenDeclaredOnItsAddress() {
    assertThat(EnvironmentApi.listening("127.0.0.1:18091", Optional.of("127.0.0.1:18091"), MAIN))
        .contains("127.0.0.1:18091");
    assertThat(EnvironmentApi.listening(MAIN, Optional.empty(), MAIN)).contains(MAIN);
  }
}
