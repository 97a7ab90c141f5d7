package dev.kiln.router;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Requests held for services that have no backend yet (a scale-to-zero wake). A request parks on
 * its own event loop; the wake listener hears of it at once (a push: nothing polls); the next table
 * swap that gives the service a backend hands every held request back to its event loop, which
 * routes it as if it had just arrived. A timer on the same loop answers 503 with {@code
 * Retry-After} if none comes in time. Resume and expiry race only through {@link
 * ConcurrentLinkedQueue#remove}: exactly one of them takes a waiter.
 */
final class Waiting {
  record Waiter(ClientHandler c, int serial) {}

  private static final class Queue {
    final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    final AtomicInteger size = new AtomicInteger();
  }

  private final Map<String, Queue> queues = new ConcurrentHashMap<>();
  private volatile Consumer<String> wakeListener = service -> {};

  void onWake(Consumer<String> listener) {
    this.wakeListener = listener;
  }

  /** Parks the current request of {@code c}; false when the service's queue is full. */
  boolean park(ClientHandler c) {
    Exchange x = c.x;
    String service = x.service().name;
    Hold hold = x.service().route.hold();
    Queue queue = queues.computeIfAbsent(service, s -> new Queue());
    if (queue.size.incrementAndGet() > hold.maxQueued()) {
      queue.size.decrementAndGet();
      return false;
    }
    Waiter w = new Waiter(c, x.serial);
    x.waiting = true;
    queue.waiters.add(w);
    c.ctx
        .executor()
        .schedule(() -> expire(queue, w, hold), hold.timeout().toNanos(), TimeUnit.NANOSECONDS);
    try {
      wakeListener.accept(service);
    } catch (RuntimeException e) {
      // A failing listener must not fail the request: the timer answers it if no wake comes.
    }
    return true;
  }

  /** After a swap: held requests of services that now have a backend (or are gone) move on. */
  void resume(CompiledTable table) {
    for (var e : queues.entrySet()) {
      Queue queue = e.getValue();
      if (queue.size.get() == 0) continue;
      CompiledService s = table.service(e.getKey());
      if (s != null && s.all.states.length == 0) continue; // still nothing to send them to
      Waiter w;
      while ((w = queue.waiters.poll()) != null) {
        queue.size.decrementAndGet();
        Waiter taken = w;
        taken.c().ctx.executor().execute(() -> resumeOne(taken));
      }
    }
  }

  /** Requests held now, per service. */
  Map<String, Integer> held() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    queues.forEach(
        (s, q) -> {
          if (q.size.get() > 0) out.put(s, q.size.get());
        });
    return out;
  }

  private static void resumeOne(Waiter w) {
    ClientHandler c = w.c();
    if (!current(w)) return;
    c.x.waiting = false;
    UpstreamDispatch.resumeAfterWait(c);
  }

  private static void expire(Queue queue, Waiter w, Hold hold) {
    if (!queue.waiters.remove(w)) return; // resumed meanwhile
    queue.size.decrementAndGet();
    if (!current(w)) return;
    ClientHandler c = w.c();
    c.x.waiting = false;
    c.fail(
        503,
        "service "
            + c.x.service().name
            + ": no instance became ready within "
            + hold.timeout().toMillis()
            + " ms (waking)",
        hold.retryAfterSeconds());
  }

  /** Whether the waiter's request is still the one its connection waits on. */
  private static boolean current(Waiter w) {
    ClientHandler c = w.c();
    return c.x.serial == w.serial() && c.x.waiting && c.state == ClientHandler.State.CONNECTING;
  }
}
