package dev.kiln.server;

/**
 * One open event stream as its writer sees it, whatever carries it. Writes never block: while the
 * connection's outbound buffer is over its high-water mark {@link #writable()} is false and the
 * writer holds off (it rereads what it skipped from the journal), so what a slow client buffers is
 * bounded.
 */
interface EventSink {
  /** False while the outbound buffer is full, and for good once the stream is closed. */
  boolean writable();

  boolean closed();

  /** Queues {@code text} and flushes it; ignored once closed. */
  void write(String text);

  /** Ends the stream and its connection. */
  void close();

  /** Called (on any thread) each time the sink becomes writable again or closes. */
  void onChange(Runnable listener);
}
