package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Query;
import dev.kiln.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code notify:} end to end through the control plane: an apply configures the webhook, later
 * entries reach it signed with the secret from the server's environment, and the webhook outlives a
 * server restart because the journal holds it.
 */
class NotifyIT {
  static final String KEY = "hook-signing-key-0123";
  @TempDir Path home;
  HttpServer receiver;
  final List<String[]> received =
      new CopyOnWriteArrayList<>(); // event, delivery, signature, ts, body

  @BeforeEach
  void receiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/kiln",
        x -> {
          String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          var h = x.getRequestHeaders();
          received.add(
              new String[] {
                h.getFirst("X-Kiln-Event"),
                h.getFirst("X-Kiln-Delivery"),
                h.getFirst("X-Kiln-Signature"),
                h.getFirst("X-Kiln-Timestamp"),
                body
              });
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
  }

  private ControlPlane start(Map<String, String> env) {
    return ControlPlane.start(
        new ServerConfig(
            home,
            ServerConfig.address("127.0.0.1:0"),
            ServerConfig.address("127.0.0.1:0"),
            Clock.systemUTC(),
            env));
  }

  private String blueprint() {
    return """
        secrets: [ HOOK_KEY ]
        notify:
          webhook: "http://127.0.0.1:%d/kiln"
          events: [ blueprint-*, policy-exception ]
          secret: HOOK_KEY
        """
        .formatted(receiver.getAddress().getPort());
  }

  private static List<Entry> entries(ControlPlane cp, String kind) {
    return cp.rec.journal().entries(Query.all().kind(kind));
  }

  @Test
  void anApplyConfiguresTheWebhook_andLaterEntriesReachIt_acrossARestart() {
    try (ControlPlane cp = start(Map.of("HOOK_KEY", KEY))) {
      cp.apply(blueprint(), Path.of("kiln.yaml"), Map.of(), "test");
      assertThat(entries(cp, "notify-configured")).hasSize(1);
      cp.apply(blueprint(), Path.of("kiln.yaml"), Map.of(), "test"); // the same set: not again
      assertThat(entries(cp, "notify-configured")).hasSize(1);

      Entry second = entries(cp, "blueprint-applied").get(1);
      Await.untilTrue("a delivery", () -> !entries(cp, "notify-delivered").isEmpty());
      assertThat(received).hasSize(1); // the first apply's own entry came before the webhook
      String[] got = received.get(0);
      assertThat(got[0]).isEqualTo("blueprint-applied");
      assertThat(got[1]).isEqualTo(Long.toString(second.seq()));
      assertThat(got[2]).isEqualTo("sha256=" + WebhookRequest.sign(KEY, got[3] + "." + got[4]));
    }

    try (ControlPlane cp = start(Map.of("HOOK_KEY", KEY))) {
      cp.apply(blueprint(), Path.of("kiln.yaml"), Map.of(), "test");
      Entry third = entries(cp, "blueprint-applied").get(2);
      Await.untilTrue(
          "the delivery after the restart",
          () -> received.stream().anyMatch(r -> r[1].equals(Long.toString(third.seq()))));
      Await.untilTrue("its outcome", () -> entries(cp, "notify-delivered").size() == 2);
    }
  }

  @Test
  void aReceiverThatNeverAnswers_holdsUpNoApply() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    HttpServer hanging = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hanging.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    hanging.createContext(
        "/kiln",
        x -> {
          try {
            release.await(); // accepts the request, never answers while the test runs
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    hanging.start();
    String bp =
        blueprint()
            .replace(
                ":" + receiver.getAddress().getPort() + "/",
                ":" + hanging.getAddress().getPort() + "/");
    try (ControlPlane cp = start(Map.of("HOOK_KEY", KEY))) {
      for (int i = 0; i < 4; i++) cp.apply(bp, Path.of("kiln.yaml"), Map.of(), "test");
      // every apply returned while its deliveries hang; the loop still answers
      assertThat(entries(cp, "blueprint-applied")).hasSize(4);
      assertThat(cp.views().services().services()).isNotNull();
      assertThat(entries(cp, "notify-delivered")).isEmpty();
    } finally {
      release.countDown();
      hanging.stop(0);
    }
  }

  @Test
  void aWebhookSecretWithoutAValue_failsTheApply_andRecordsNothing() {
    try (ControlPlane cp = start(Map.of())) {
      long before = cp.rec.journal().head().orElseThrow().seq();
      assertThatThrownBy(() -> cp.apply(blueprint(), Path.of("kiln.yaml"), Map.of(), "test"))
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("notify: the webhook signing secret(s) HOOK_KEY not found")
          .hasMessageContaining("secrets/<NAME>");
      assertThat(cp.rec.journal().head().orElseThrow().seq()).isEqualTo(before);
    }
  }
}
