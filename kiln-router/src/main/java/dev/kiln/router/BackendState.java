package dev.kiln.router;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's live knowledge of one backend: in-flight count (the drain protocol), passive
 * ejection and traffic counters. It outlives route tables: a backend present in consecutive tables
 * keeps one state, so its metrics and its ejection survive a weight change.
 */
final class BackendState {
  final String service;
  final Backend backend;
  final TrafficStats stats = new TrafficStats();
  final LongAdder connectFailures = new LongAdder();

  /** Every open connection to this backend, so a drain timeout can cut them off. */
  final ChannelGroup connections;

  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private volatile long ejectedUntil;
  private volatile boolean ejected;
  private volatile boolean retired;
  private final CompletableFuture<Boolean> drained = new CompletableFuture<>();

  BackendState(String service, Backend backend) {
    this.service = service;
    this.backend = backend;
    this.connections =
        new DefaultChannelGroup(service + "/" + backend.id(), GlobalEventExecutor.INSTANCE);
  }

  /** For error bodies: "backend web-1 (127.0.0.1:9001)". */
  String describe() {
    var a = backend.address();
    return "backend " + backend.id() + " (" + a.getHostString() + ":" + a.getPort() + ")";
  }

  String label() {
    return service + "/" + backend.id();
  }

  /**
   * Claims an in-flight slot. Increment first, then look at {@code retired}: together with {@link
   * #retire()} (set retired, then look at the count) one of the two always sees the other.
   */
  boolean tryAcquire() {
    stats.inFlight.incrementAndGet();
    if (retired) {
      release();
      return false;
    }
    return true;
  }

  void release() {
    if (stats.inFlight.decrementAndGet() == 0 && retired) drained.complete(true);
  }

  /** Takes the backend out of service; the future completes when its last request finishes. */
  CompletableFuture<Boolean> retire() {
    retired = true;
    if (stats.inFlight.get() == 0) drained.complete(true);
    return drained;
  }

  boolean retired() {
    return retired;
  }

  boolean ejected(long now) {
    return ejected && now - ejectedUntil < 0;
  }

  void connectFailed(long now, int threshold, long ejectNanos) {
    connectFailures.increment();
    if (consecutiveFailures.incrementAndGet() >= threshold) {
      ejectedUntil = now + ejectNanos;
      ejected = true;
    }
  }

  void connected() {
    // read before write: on the hot path the counter is almost always already 0
    if (consecutiveFailures.get() != 0) consecutiveFailures.set(0);
    if (ejected) ejected = false;
  }

  BackendMetrics snapshot(long now) {
    return new BackendMetrics(
        backend.id(),
        backend.revision(),
        stats.snapshot(),
        connectFailures.sum(),
        ejected(now),
        retired);
  }
}
