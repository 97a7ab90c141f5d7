package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.journal.Entry;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream writer against a real journal file and a sink whose "buffer full" the test controls: a
 * slow client gets nothing while it cannot take more, then everything it missed, in order.
 */
class EventStreamsTest {
  @TempDir Path tmp;

  /** A connection the test fills and drains. */
  static final class Sink implements EventSink {
    volatile boolean writable;
    volatile boolean fillsOnWrite; // its buffer is full after each write
    volatile boolean closed;
    final AtomicInteger asked = new AtomicInteger();
    final List<String> writes = new ArrayList<>();
    volatile Runnable listener = () -> {};

    @Override
    public boolean writable() {
      asked.incrementAndGet();
      return writable && !closed;
    }

    @Override
    public boolean closed() {
      return closed;
    }

    @Override
    public synchronized void write(String text) {
      writes.add(text);
      if (fillsOnWrite) writable = false;
    }

    @Override
    public void close() {
      closed = true;
      listener.run();
    }

    @Override
    public void onChange(Runnable l) {
      listener = l;
    }

    synchronized List<Long> ids() {
      List<Long> ids = new ArrayList<>();
      Matcher m = Pattern.compile("(?m)^id: (\\d+)$").matcher(String.join("", writes));
      while (m.find()) ids.add(Long.parseLong(m.group(1)));
      return ids;
    }

    synchronized int framesPerWriteMax() {
      return writes.stream().mapToInt(w -> w.split("(?m)^id: ", -1).length - 1).max().orElse(0);
    }
  }

  private static Entry append(Journal j, int i) {
    return j.append(draft(i));
  }

  /**
   * Entries 0..n-1 written before the stream opens: one transaction, not n fsynced appends (the
   * stream reads them from the journal all the same).
   */
  private static void history(Journal j, int n) {
    j.appendAll(java.util.stream.IntStream.range(0, n).mapToObj(EventStreamsTest::draft).toList());
  }

  private static EntryDraft draft(int i) {
    return new EntryDraft("t", "canary-step", "web", "n" + i, "{\"i\":" + i + "}");
  }

  private static void await(BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("not reached");
      Thread.sleep(5);
    }
  }

  @Test
  void aClientThatCannotTakeMoreGetsNothing_thenEverythingItMissed_inBatches() throws Exception {
    try (Journal j = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      int n = EventStreams.BATCH * 3 + 5;
      history(j, n);
      try (EventStreams streams = new EventStreams(j, e -> "{}", Duration.ofHours(1))) {
        Sink sink = new Sink();
        streams.subscribe(sink, 0, e -> true);
        // after an append the writer has looked at the sink again, and sent nothing
        int asked = sink.asked.get();
        streams.appended(append(j, n));
        await(() -> sink.asked.get() >= asked + 1);
        assertThat(sink.ids()).isEmpty();
        sink.writable = true;
        sink.listener.run();
        await(() -> sink.ids().size() == n + 1);
        assertThat(sink.ids())
            .isEqualTo(java.util.stream.LongStream.rangeClosed(1, n + 1).boxed().toList());
        assertThat(sink.framesPerWriteMax()).isLessThanOrEqualTo(EventStreams.BATCH);
      }
    }
  }

  @Test
  void whatASlowClientIsSentBeyondItsBufferIsOneBatch() throws Exception {
    try (Journal j = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      history(j, EventStreams.BATCH * 4);
      try (EventStreams streams = new EventStreams(j, e -> "{}", Duration.ofHours(1))) {
        Sink sink = new Sink();
        sink.fillsOnWrite = true;
        sink.writable = true;
        streams.subscribe(sink, 0, e -> true);
        sink.writable = true; // the head ("retry") went out; the first batch fills the buffer
        sink.listener.run();
        await(() -> !sink.ids().isEmpty());
        int asked = sink.asked.get();
        streams.appended(append(j, -1));
        await(() -> sink.asked.get() >= asked + 1);
        assertThat(sink.ids()).hasSize(EventStreams.BATCH);
      }
    }
  }

  @Test
  void anEntryTheRingNeverHeardOfIsReadFromTheJournal_noneIsSkipped() throws Exception {
    try (Journal j = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      for (int i = 0; i < 5; i++) append(j, i);
      try (EventStreams streams = new EventStreams(j, e -> "{}", Duration.ofHours(1))) {
        append(j, 5); // seq 6 and 7 reach the journal without the ring hearing of them
        append(j, 6);
        streams.appended(append(j, 7));
        Sink sink = new Sink();
        sink.writable = true;
        streams.subscribe(sink, 5, e -> true);
        await(() -> sink.ids().size() == 3);
        assertThat(sink.ids()).containsExactly(6L, 7L, 8L);
      }
    }
  }

  @Test
  void closingEndsEveryStream() throws Exception {
    try (Journal j = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      EventStreams streams = new EventStreams(j, e -> "{}", Duration.ofHours(1));
      Sink sink = new Sink();
      sink.writable = true;
      streams.subscribe(sink, 0, e -> true);
      streams.close();
      assertThat(sink.closed).isTrue();
      Sink late = new Sink();
      streams.subscribe(late, 0, e -> true);
      assertThat(late.closed).as("no stream opens once closed").isTrue();
    }
  }
}
