package dev.kiln.server;

import dev.kiln.journal.Entry;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The journal as server-sent events ({@code GET /v1/events?since=SEQ}): each entry is one event
 * whose {@code id} is its sequence number, so a client that reconnects with its last one ({@code
 * since} or the {@code Last-Event-ID} EventSource sends by itself) misses nothing.
 *
 * <p>One thread writes every stream. The {@link Recorder} tells it of each append (a signal and the
 * entry, kept in a small ring); it then brings each subscriber from its own position up to the
 * head: from the ring when it is close behind, otherwise from the journal in bounded batches. A
 * stream whose connection cannot take more (a slow client) is skipped until it can, so nothing is
 * buffered for it beyond the transport's high-water mark — the journal is its backlog. A comment
 * line every {@code heartbeat} keeps proxies from timing the stream out and finds dead clients.
 */
final class EventStreams implements AutoCloseable {
  static final int MAX_STREAMS = 256;
  static final int RING = 1024;
  static final int BATCH = 256;
  private static final Logger LOG = Logger.getLogger(EventStreams.class.getName());

  private final Journal journal;
  private final Function<Entry, String> render;
  private final long heartbeatNanos;
  private final Object lock = new Object();
  private final ArrayDeque<Entry> ring = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

  /** Each entry's frame, rendered once for every stream that sends it (the writer's only). */
  private final java.util.Map<Long, String> frames =
      new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, String> eldest) {
          return size() > RING;
        }
      };

  private final Thread writer;
  private boolean signalled;
  private volatile boolean closed;

  /** One open stream: where it is in the journal and what it wants of it. */
  private static final class Subscriber {
    final EventSink sink;
    final Predicate<Entry> filter;
    long last;

    Subscriber(EventSink sink, Predicate<Entry> filter, long after) {
      this.sink = sink;
      this.filter = filter;
      this.last = after;
    }
  }

  EventStreams(Journal journal, Function<Entry, String> render, Duration heartbeat) {
    this.journal = journal;
    this.render = render;
    this.heartbeatNanos = heartbeat.toNanos();
    journal.head().ifPresent(ring::add);
    this.writer = Thread.ofPlatform().daemon().name("kiln-events").start(this::run);
  }

  /** The Recorder's notifier: called once per appended entry, in order. Never blocks. */
  void appended(Entry e) {
    synchronized (lock) {
      // The ring stays contiguous, so a subscriber served from it can never skip an entry.
      Entry last = ring.peekLast();
      if (last != null && e.seq() != last.seq() + 1) ring.clear();
      ring.addLast(e);
      if (ring.size() > RING) ring.removeFirst();
      signal();
    }
  }

  boolean full() {
    return closed || subscribers.size() >= MAX_STREAMS;
  }

  int open() {
    return subscribers.size();
  }

  /** Streams the entries after {@code after} that pass {@code filter}, then each new one. */
  void subscribe(EventSink sink, long after, Predicate<Entry> filter) {
    if (full()) {
      sink.close();
      return;
    }
    Subscriber s = new Subscriber(sink, filter, after);
    sink.onChange(this::wake);
    // EventSource waits this long before reconnecting; the comment makes the head go out at once.
    sink.write("retry: 1000\n: kiln journal after " + after + "\n\n");
    subscribers.add(s);
    wake();
  }

  private void wake() {
    synchronized (lock) {
      signal();
    }
  }

  private void signal() {
    signalled = true;
    lock.notifyAll();
  }

  private void run() {
    long nextBeat = System.nanoTime() + heartbeatNanos;
    while (!closed) {
      try {
        synchronized (lock) {
          long wait = nextBeat - System.nanoTime();
          while (!signalled && !closed && wait > 0) {
            lock.wait(Math.max(1, wait / 1_000_000));
            wait = nextBeat - System.nanoTime();
          }
          signalled = false;
        }
        if (closed) break;
        boolean beat = System.nanoTime() >= nextBeat;
        if (beat) nextBeat = System.nanoTime() + heartbeatNanos;
        long head = headSeq();
        for (Subscriber s : subscribers) {
          if (s.sink.closed()) {
            subscribers.remove(s);
            continue;
          }
          if (deliver(s, head)) wake(); // more to send: come back after the others had a turn
          if (beat && s.sink.writable()) s.sink.write(": heartbeat\n\n");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // A journal read failed (the server is closing): the streams stay and try again.
        LOG.log(Level.WARNING, "event streams: " + e.getMessage(), e);
        sleepQuietly();
      }
    }
  }

  /** Sends up to one batch; true if the subscriber is still behind and could take more now. */
  private boolean deliver(Subscriber s, long head) {
    if (s.last >= head || !s.sink.writable()) return false;
    StringBuilder out = new StringBuilder();
    for (Entry e : after(s.last)) {
      if (s.filter.test(e)) frame(out, e);
      s.last = e.seq();
    }
    if (!out.isEmpty()) s.sink.write(out.toString());
    return s.last < head && s.sink.writable();
  }

  private List<Entry> after(long seq) {
    synchronized (lock) {
      Entry first = ring.peekFirst();
      if (first != null && first.seq() <= seq + 1) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : ring) {
          if (e.seq() > seq) out.add(e);
          if (out.size() == BATCH) break;
        }
        return out;
      }
    }
    return journal.entries(Query.all().afterSeq(seq), BATCH);
  }

  private long headSeq() {
    synchronized (lock) {
      Entry last = ring.peekLast();
      if (last != null) return last.seq();
    }
    return journal.head().map(Entry::seq).orElse(0L);
  }

  private void frame(StringBuilder out, Entry e) {
    out.append(frames.computeIfAbsent(e.seq(), k -> render(e)));
  }

  private String render(Entry e) {
    StringBuilder f = new StringBuilder("id: ").append(e.seq()).append('\n');
    for (String line : render.apply(e).split("\n", -1))
      f.append("data: ").append(line).append('\n');
    return f.append('\n').toString();
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Ends every stream cleanly (the client sees the connection end, and reconnects elsewhere). */
  @Override
  public void close() {
    closed = true;
    wake();
    try {
      writer.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Subscriber s : subscribers) s.sink.close();
    subscribers.clear();
  }
}
