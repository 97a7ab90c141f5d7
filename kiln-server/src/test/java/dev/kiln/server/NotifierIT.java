package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.controller.DeliveryRetry;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import dev.kiln.testkit.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook deliveries against real HTTP receivers on loopback, from a real journal: signed content,
 * retries with backoff, the outcome journaled, and a restart that still delivers what was owed.
 */
class NotifierIT {
  static final String SECRET = "s3cret-hook-key-value";
  static final Notifier.Settings FAST =
      new Notifier.Settings(
          new DeliveryRetry(Duration.ofMillis(50), Duration.ofMillis(200), 4),
          Duration.ofMillis(50),
          Duration.ofSeconds(5));

  @TempDir Path home;
  Journal journal;
  Recorder rec;
  final List<Notifier> notifiers = new ArrayList<>();
  final List<Receiver> receivers = new ArrayList<>();

  @BeforeEach
  void openJournal() {
    journal = Journal.open(home.resolve("state.db"), Clock.systemUTC());
    rec = new Recorder(journal, new ServerState(), HostKey.generate(home.resolve("keys")));
  }

  @AfterEach
  void close() {
    notifiers.forEach(Notifier::close);
    receivers.forEach(r -> r.server.stop(0));
    journal.close();
  }

  /** One request as the receiver saw it. */
  record Received(Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  /** A webhook receiver answering with the statuses {@code answer} gives, one per request. */
  final class Receiver {
    final HttpServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();

    Receiver(IntSupplier answer) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext(
          "/hook",
          x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            java.util.TreeMap<String, String> h = new java.util.TreeMap<>();
            x.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), v.get(0)));
            received.add(new Received(h, body));
            int status = answer.getAsInt();
            x.sendResponseHeaders(status, -1);
            x.close();
          });
      server.start();
      receivers.add(this);
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }
  }

  private JournalEvent.Webhook configure(Receiver r, String... events) {
    JournalEvent.Webhook w =
        new JournalEvent.Webhook(
            Integer.toHexString(r.url().hashCode()),
            r.url(),
            List.of(events),
            "HOOK_KEY",
            journal.head().map(Entry::seq).orElse(0L));
    return w;
  }

  private void configured(JournalEvent.Webhook... hooks) {
    rec.append("test", "apply: notify", new JournalEvent.NotifyConfigured(List.of(hooks)));
  }

  private Notifier startNotifier() {
    Notifier n =
        Notifier.start(
            journal,
            outcome -> rec.append(Executor.ACTOR, "notify", outcome),
            name -> name.equals("HOOK_KEY") ? Optional.of(SECRET) : Optional.empty(),
            Clock.systemUTC(),
            new Random(16),
            FAST);
    notifiers.add(n);
    return n;
  }

  private Entry exception(String advisory) {
    return rec.append(
        "uid:0(root)",
        "policy allow",
        new JournalEvent.PolicyException(
            advisory, Instant.parse("2027-01-01T00:00:00Z"), "vendor fix pending"));
  }

  private List<JournalEvent> outcomes(String kind) {
    return journal.entries(Query.all().kind(kind)).stream().map(EventCodec::decode).toList();
  }

  private JournalEvent awaitOutcome(String kind, long delivery) {
    return Await.until(
        kind + " for entry " + delivery,
        () ->
            outcomes(kind).stream()
                .filter(
                    o ->
                        (o instanceof JournalEvent.NotifyDelivered d && d.delivery() == delivery)
                            || (o instanceof JournalEvent.NotifyFailed f
                                && f.delivery() == delivery))
                .findFirst());
  }

  @Test
  void aMatchingEntry_isPostedAsSignedJson_andTheOutcomeIsJournaled() throws Exception {
    Receiver r = new Receiver(() -> 204);
    rec.append("test", "before", new JournalEvent.ServiceRemoved("old", 1)); // before the webhook
    configured(configure(r, "policy-*", "service-removed"));
    startNotifier();
    rec.append(
        "test", "not subscribed", new JournalEvent.ImageBaked("hello", EventCodecTest.D, "/x"));
    Entry e = exception("DSA-5001-1");

    var delivered = (JournalEvent.NotifyDelivered) awaitOutcome("notify-delivered", e.seq());
    assertThat(delivered.status()).isEqualTo(204);
    assertThat(delivered.attempts()).isEqualTo(1);
    assertThat(delivered.host()).isEqualTo("127.0.0.1");
    assertThat(delivered.event()).isEqualTo("policy-exception");
    // only the subscribed entry after the configuration went out
    assertThat(r.received).hasSize(1);
    Received got = r.received.get(0);
    assertThat(got.header("X-Kiln-Event")).isEqualTo("policy-exception");
    assertThat(got.header("X-Kiln-Delivery")).isEqualTo(Long.toString(e.seq()));
    assertThat(got.header("Content-Type")).isEqualTo("application/json");
    String ts = got.header("X-Kiln-Timestamp");
    assertThat(got.header("X-Kiln-Signature"))
        .isEqualTo("sha256=" + WebhookRequest.sign(SECRET, ts + "." + got.body()))
        .isEqualTo("sha256=" + opensslHmac(SECRET, ts + "." + got.body()));
    JsonNode body = Json.parse(got.body());
    assertThat(body.get("seq").asLong()).isEqualTo(e.seq());
    assertThat(body.get("kind").asText()).isEqualTo("policy-exception");
    assertThat(body.get("subject").asText()).isEqualTo("DSA-5001-1");
    assertThat(body.get("actor").asText()).isEqualTo("uid:0(root)");
    assertThat(body.get("time").asText()).isEqualTo(e.time().toString());
    assertThat(body.get("hash").asText()).isEqualTo(e.hash().toString());
    assertThat(body.at("/fields/reason").asText()).isEqualTo("vendor fix pending");
    assertThat(got.body()).doesNotContain(SECRET);
  }

  /** The shell check docs/notify.md gives receivers, run for real. */
  private static String opensslHmac(String secret, String message) throws Exception {
    Process p =
        new ProcessBuilder("openssl", "dgst", "-sha256", "-hmac", secret, "-r")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    return out.split(" ")[0].strip();
  }

  @Test
  void aReceiverThatFailsTwice_getsTheDeliveryOnTheThirdAttempt() throws Exception {
    ConcurrentLinkedDeque<Integer> answers = new ConcurrentLinkedDeque<>(List.of(503, 503));
    Receiver r = new Receiver(() -> Optional.ofNullable(answers.poll()).orElse(200));
    configured(configure(r, "policy-exception"));
    startNotifier();
    Entry e = exception("CVE-2026-0001");

    var delivered = (JournalEvent.NotifyDelivered) awaitOutcome("notify-delivered", e.seq());
    assertThat(delivered.attempts()).isEqualTo(3);
    assertThat(delivered.status()).isEqualTo(200);
    assertThat(r.received)
        .extracting(x -> x.header("X-Kiln-Delivery"))
        .containsExactly("" + e.seq(), "" + e.seq(), "" + e.seq());
    assertThat(outcomes("notify-failed")).isEmpty();
  }

  @Test
  void aPermanentlyFailingReceiver_endsInNotifyFailed_andARefusalIsNotRetried() throws Exception {
    Receiver down = new Receiver(() -> 500);
    Receiver refusing = new Receiver(() -> 401);
    configured(configure(down, "policy-exception"), configure(refusing, "policy-exception"));
    startNotifier();
    Entry e = exception("CVE-2026-0002");

    Await.untilTrue("two outcomes", () -> outcomes("notify-failed").size() == 2);
    List<JournalEvent.NotifyFailed> failed =
        outcomes("notify-failed").stream().map(JournalEvent.NotifyFailed.class::cast).toList();
    assertThat(failed).allMatch(f -> f.delivery() == e.seq() && f.host().equals("127.0.0.1"));
    assertThat(failed)
        .extracting(JournalEvent.NotifyFailed::status, JournalEvent.NotifyFailed::attempts)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Optional.of(500), 4),
            org.assertj.core.groups.Tuple.tuple(Optional.of(401), 1));
    assertThat(down.received).hasSize(4);
    assertThat(refusing.received).hasSize(1);
    assertThat(outcomes("notify-delivered")).isEmpty();
  }

  @Test
  void aRestartMidRetry_stillDelivers_andWhatWasDeliveredIsNotSentAgain() throws Exception {
    java.util.concurrent.atomic.AtomicInteger status =
        new java.util.concurrent.atomic.AtomicInteger(200);
    Receiver r = new Receiver(status::get);
    configured(configure(r, "policy-exception"));
    Notifier first = startNotifier();
    Entry done = exception("CVE-2026-0003");
    awaitOutcome("notify-delivered", done.seq());

    status.set(503); // the receiver goes down; the next delivery is retried…
    Entry owed = exception("CVE-2026-0004");
    Await.untilTrue(
        "a failed attempt at " + owed.seq(),
        () ->
            r.received.stream().anyMatch(x -> x.header("X-Kiln-Delivery").equals("" + owed.seq())));
    first.close(); // …and the server stops mid-retry
    notifiers.remove(first);
    assertThat(outcomes("notify-delivered")).hasSize(1);

    status.set(200); // the receiver is back; so is the server
    startNotifier();
    var delivered = (JournalEvent.NotifyDelivered) awaitOutcome("notify-delivered", owed.seq());
    assertThat(delivered.status()).isEqualTo(200);
    assertThat(r.received.stream().filter(x -> x.header("X-Kiln-Delivery").equals("" + done.seq())))
        .hasSize(1);
  }

  @Test
  void aHangingReceiver_holdsUpNeitherTheJournalNorAnotherWebhook() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Receiver hanging =
        new Receiver(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return 200;
            });
    Receiver fine = new Receiver(() -> 200);
    configured(configure(hanging, "policy-exception"), configure(fine, "policy-exception"));
    startNotifier();
    List<Entry> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) appended.add(exception("CVE-2026-001" + i));

    for (Entry e : appended) awaitOutcome("notify-delivered", e.seq());
    assertThat(fine.received).hasSize(5);
    release.countDown();
  }
}
