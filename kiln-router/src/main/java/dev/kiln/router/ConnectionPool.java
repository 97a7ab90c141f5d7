package dev.kiln.router;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import org.jspecify.annotations.Nullable;

/**
 * Idle keep-alive connections to backends, one pool per event loop. A client connection only ever
 * borrows connections living on its own loop, so the pool needs no lock and a request never hops
 * threads. Pooled by address, not by backend entry: a connection to 127.0.0.1:9001 serves whichever
 * table entry points there, so a swap that only relabels or reweighs a backend costs no reconnects.
 * Most recently used first: warm connections stay warm, the tail ages out through the backend's own
 * keep-alive timeout.
 */
final class ConnectionPool {
  private final HashMap<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();

  /** An open idle connection to {@code b}, or null. */
  @Nullable Channel poll(InetSocketAddress b) {
    ArrayDeque<Channel> q = idle.get(b);
    if (q == null) return null;
    Channel ch;
    while ((ch = q.pollLast()) != null) {
      if (ch.isActive()) return ch;
      ch.close();
    }
    return null;
  }

  /** Keeps {@code ch} for reuse; closes it when the pool for {@code b} is full. */
  void offer(InetSocketAddress b, Channel ch, int max) {
    ArrayDeque<Channel> q = idle.computeIfAbsent(b, k -> new ArrayDeque<>());
    if (q.size() >= max) {
      ch.close();
      return;
    }
    q.addLast(ch);
  }

  void remove(InetSocketAddress b, Channel ch) {
    ArrayDeque<Channel> q = idle.get(b);
    if (q != null) q.remove(ch);
  }

  /**
   * Closes and forgets every idle connection to {@code b} (no table entry points there any more).
   */
  void closeAll(InetSocketAddress b) {
    ArrayDeque<Channel> q = idle.remove(b);
    if (q != null) q.forEach(Channel::close);
  }
}
