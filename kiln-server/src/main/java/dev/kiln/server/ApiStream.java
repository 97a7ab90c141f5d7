package dev.kiln.server;

import java.util.function.Consumer;

/**
 * A response the listeners keep open: {@code 200 text/event-stream}, delimited by the connection's
 * end (no length, no chunking, so a plain line reader follows it over the unix socket too). Once
 * the head is written, {@code open} gets the {@link EventSink} to write the events to.
 */
record ApiStream(Consumer<EventSink> open) implements ApiReply {}
