package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.api.ConditionView;
import dev.kiln.api.RolloutView;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.model.KilnException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When {@code kiln up --detach} may return: the fleet serves, or waits for the user, or failed. */
class UpDetachedTest {
  @Test
  void aFleetWithEveryReplicaHealthyAndNoRolloutMoving_isReady() {
    assertThat(UpDetached.healthy(services(service(3, 3, null)))).isTrue();
    assertThat(UpDetached.healthy(services(service(3, 3, rollout("SUCCEEDED"))))).isTrue();
    assertThat(UpDetached.healthy(services(service(3, 2, null)))).isFalse();
    assertThat(UpDetached.healthy(services(service(3, 3, rollout("PROGRESSING"))))).isFalse();
    assertThat(UpDetached.healthy(new ServicesResponse(List.of(), List.of(), null))).isFalse();
  }

  @Test
  void aBlueGreenPreviewWaitingForPromote_isReady_andSaysWhatToRun() {
    RolloutView preview =
        rollout(
            "PROGRESSING",
            new ConditionView("Paused", true, "AwaitingPromotion", "run `kiln promote web`", "t"));
    ServicesResponse s = services(service(3, 3, preview));

    assertThat(UpDetached.healthy(s)).isTrue();
    assertThat(UpDetached.waiting(s)).singleElement().asString().contains("kiln promote web");
  }

  @Test
  void anAbortedRollout_isAFailure() {
    assertThat(UpDetached.failedRollout(services(service(3, 3, rollout("ABORTED")))))
        .get()
        .asString()
        .contains("web was aborted");
    assertThat(UpDetached.failedRollout(services(service(3, 3, rollout("SUCCEEDED"))))).isEmpty();
  }

  @Test
  void aServerAlreadyAnsweringOnTheHomesSocket_isRefused_beforeAnythingStarts(@TempDir Path home)
      throws Exception {
    Path socket = home.resolve("api.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread answer = Thread.ofVirtual().start(() -> answerOnce(server, "{\"status\":\"ok\"}"));
      ByteArrayOutputStream out = new ByteArrayOutputStream();

      assertThatThrownBy(
              () ->
                  UpDetached.start(
                      home,
                      Optional.empty(),
                      List.of(),
                      new PrintStream(out, true, StandardCharsets.UTF_8),
                      new PrintStream(out, true, StandardCharsets.UTF_8)))
          .isInstanceOf(KilnException.class)
          .hasMessageStartingWith("another kiln server answers on " + socket)
          .hasMessageContaining("Stop it first, or use another KILN_HOME");
      answer.join();
      assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
      assertThat(UpDetached.logFile(home)).doesNotExist();
    }
  }

  @Test
  void aStaleSocketWithNothingBehindIt_isNoServer(@TempDir Path home) throws Exception {
    Path socket = home.resolve("api.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    } // closed: the file stays, nothing listens
    assertThat(socket).exists();
    UpDetached.refuseIfServed(home, apiOf(socket));
  }

  private static ApiClient apiOf(Path socket) {
    return new ApiClient(
        new ApiClient.Endpoint(
            java.net.URI.create("http://localhost/"),
            Optional.of(socket),
            Optional.empty(),
            "test@kiln-up"));
  }

  /** One HTTP/1.1 answer on the socket, whatever was asked. */
  private static void answerOnce(ServerSocketChannel server, String json) {
    try (SocketChannel c = server.accept()) {
      ByteBuffer in = ByteBuffer.allocate(8192);
      StringBuilder request = new StringBuilder();
      while (!request.toString().contains("\r\n\r\n") && c.read(in) > 0) {
        in.flip();
        request.append(StandardCharsets.UTF_8.decode(in));
        in.clear();
      }
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
              + body.length
              + "\r\nConnection: close\r\n\r\n";
      c.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.UTF_8)));
      c.write(ByteBuffer.wrap(body));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static ServicesResponse services(ServiceView... s) {
    return new ServicesResponse(List.of(s), List.of(), null);
  }

  private static ServiceView service(int replicas, long healthy, @Nullable RolloutView r) {
    return new ServiceView(
        "web",
        null,
        1,
        replicas,
        healthy,
        "blue-green",
        new ServiceView.Route("*", "/", null),
        Map.of(),
        r,
        List.of(),
        null);
  }

  private static RolloutView rollout(String phase, ConditionView... conditions) {
    return new RolloutView(
        "web-r2",
        "web",
        1,
        2,
        "blue-green",
        phase,
        1,
        1,
        0,
        "t",
        "t",
        List.of(conditions),
        conditions.length > 0 ? conditions[0].message() : "",
        3,
        false,
        "none");
  }
}
