package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.EventKind;
import dev.kiln.journal.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/events}: the journal as server-sent events keyed by sequence, pushed as entries
 * are appended, resumable from the last sequence a client saw, ended cleanly at server stop.
 */
class EventStreamIT {
  @TempDir Path tmp;

  private static long note(KilnFixture k, String message) {
    return k.cp
        .rec
        .append("tester", "test", new JournalEvent.Noted("web", EventKind.CANARY_STEP, message))
        .seq();
  }

  private static long head(KilnFixture k) {
    return k.cp.rec.journal().head().map(Entry::seq).orElseThrow();
  }

  private static Map<String, String> auth(KilnFixture k) {
    return Map.of("Authorization", k.authorization());
  }

  @Test
  void aClientGetsTheBacklogThenEachNewEntry_asItIsAppended() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      long start = head(k);
      try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events?since=0", auth(k))) {
        assertThat(sse.status).isEqualTo(200);
        assertThat(sse.head)
            .anyMatch(h -> h.toLowerCase().startsWith("content-type: text/event-stream"));
        assertThat(sse.ids((int) start))
            .isEqualTo(LongStream.rangeClosed(1, start).boxed().toList());
        long seq = note(k, "pushed");
        SseClient.Event e = sse.next().orElseThrow();
        assertThat(e.id()).isEqualTo(seq);
        var json = Json.parse(e.data());
        assertThat(json.get("seq").asLong()).isEqualTo(seq);
        assertThat(json.get("kind").asText()).isEqualTo("canary-step");
        assertThat(json.get("actor").asText()).isEqualTo("tester");
      }
    }
  }

  @Test
  void aClientThatReconnectsWithItsLastSequence_missesNothing() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      long start = head(k);
      long lastSeen;
      try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events?since=" + start, auth(k))) {
        note(k, "a");
        note(k, "b");
        List<Long> got = sse.ids(2);
        assertThat(got).containsExactly(start + 1, start + 2);
        lastSeen = got.get(1);
      }
      // Entries appended while the client was away...
      List<Long> missed = new ArrayList<>();
      for (int i = 0; i < 5; i++) missed.add(note(k, "missed " + i));
      // ...arrive on reconnect: EventSource sends Last-Event-ID to the URL it first opened.
      try (SseClient again =
          new SseClient(
              k.cp.apiAddress(),
              "/v1/events?since=" + start,
              Map.of(
                  "Authorization", k.authorization(), "Last-Event-ID", Long.toString(lastSeen)))) {
        assertThat(again.ids(5)).isEqualTo(missed);
        long live = note(k, "live");
        assertThat(again.next().orElseThrow().id()).isEqualTo(live);
      }
      // ...and with ?since= alone (kiln journal --follow).
      try (SseClient since =
          new SseClient(k.cp.apiAddress(), "/v1/events?since=" + lastSeen, auth(k))) {
        assertThat(since.ids(5)).isEqualTo(missed);
      }
    }
  }

  @Test
  void aLongBacklogComesInBatches_inOrder_withoutGaps() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      long start = head(k);
      int n = EventStreams.RING + EventStreams.BATCH + 7; // beyond the ring: read from the journal
      for (int i = 0; i < n; i++) note(k, "n" + i);
      try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events?since=" + start, auth(k))) {
        assertThat(sse.ids(n))
            .isEqualTo(LongStream.rangeClosed(start + 1, start + n).boxed().toList());
      }
    }
  }

  @Test
  void filtersByServiceAndKind_andOverTheUnixSocketToo() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      long start = head(k);
      k.cp.rec.append("t", "t", new JournalEvent.Noted("other", EventKind.CANARY_STEP, "x"));
      long wanted = note(k, "web's");
      try (SseClient sse =
          new SseClient(
              k.cp.apiAddress(),
              "/v1/events?since=" + start + "&service=web&kind=canary-step",
              auth(k))) {
        assertThat(sse.next().orElseThrow().id()).isEqualTo(wanted);
      }
      String answer =
          ApiSecurityIT.unixUntil(
              k.cp.apiSocket(),
              "GET /v1/events?since=" + (wanted - 1) + " HTTP/1.1\r\nHost: x\r\n\r\n",
              "id: " + wanted + "\n");
      assertThat(answer).startsWith("HTTP/1.1 200").contains("id: " + wanted + "\n");
    }
  }

  @Test
  void streamsEndCleanlyWhenTheServerStops() throws Exception {
    KilnFixture k = new KilnFixture(tmp).start();
    try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events?since=0", auth(k))) {
      sse.ids((int) head(k));
      k.close();
      assertThat(sse.rest()).doesNotContain("id: "); // and it returned: the stream ended
    }
  }

  @Test
  void aBadSequenceIs400_andNoTokenIs401() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events?since=x", auth(k))) {
        assertThat(sse.status).isEqualTo(400);
      }
      try (SseClient sse = new SseClient(k.cp.apiAddress(), "/v1/events", Map.of())) {
        assertThat(sse.status).isEqualTo(401);
      }
    }
  }
}
