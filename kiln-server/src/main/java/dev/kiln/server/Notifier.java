package dev.kiln.server;

import dev.kiln.controller.DeliveryRetry;
import dev.kiln.controller.DeliveryRetry.Attempt;
import dev.kiln.controller.DeliveryRetry.Next;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import dev.kiln.model.JournalKinds;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * Delivers journal entries to the blueprint's webhooks ({@code notify:}), at least once, each
 * signed ({@link WebhookRequest}) and retried by {@link DeliveryRetry}; every outcome is journaled
 * ({@code notify-delivered}, {@code notify-failed}).
 *
 * <h2>The journal is the queue</h2>
 *
 * The notifier keeps nothing of its own: it tails the journal on its own thread (every {@code
 * poll}), and the webhook set is the last {@code notify-configured} entry. What is still owed after
 * a restart follows from the journal alone: for each webhook, the matching entries after its {@code
 * afterSeq} without an outcome entry naming them. An entry whose attempt was under way at the
 * restart is sent again, with the same {@code X-Kiln-Delivery} (its seq), so a receiver can drop
 * the duplicate.
 *
 * <h2>Never in the control loop's way</h2>
 *
 * Requests are asynchronous with a timeout, waits between attempts are timers, and the reconcile
 * thread is only asked to journal an outcome. A dead endpoint costs one pending delivery per
 * matching entry; past {@value #MAX_IN_FLIGHT} pending the tail stops reading until some finish
 * (the journal keeps the rest; recovery after a restart enqueues everything still owed).
 */
final class Notifier implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Notifier.class.getName());
  static final int MAX_IN_FLIGHT = 1000;

  /** Journals an outcome (in the server: on the reconcile thread, through the recorder). */
  interface Outcomes {
    void record(JournalEvent outcome);
  }

  /**
   * @param poll how often the journal is read for new entries
   * @param timeout how long one attempt may take, connecting included
   */
  record Settings(DeliveryRetry retry, Duration poll, Duration timeout) {
    static final Settings DEFAULT =
        new Settings(DeliveryRetry.DEFAULT, Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  private final Journal journal;
  private final Outcomes outcomes;
  private final Function<String, Optional<String>> secrets;
  private final Clock clock;
  private final RandomGenerator random;
  private final Settings settings;
  private final ScheduledExecutorService timer;
  private final HttpClient http;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  // Only the timer thread touches these.
  private Map<String, JournalEvent.Webhook> hooks = Map.of();
  private long cursor;
  private boolean recovered;

  private Notifier(
      Journal journal,
      Outcomes outcomes,
      Function<String, Optional<String>> secrets,
      Clock clock,
      RandomGenerator random,
      Settings settings) {
    this.journal = journal;
    this.outcomes = outcomes;
    this.secrets = secrets;
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kiln-notifier");
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Recovers what is owed from the journal, then tails it. */
  static Notifier start(
      Journal journal,
      Outcomes outcomes,
      Function<String, Optional<String>> secrets,
      Clock clock,
      RandomGenerator random,
      Settings settings) {
    Notifier n = new Notifier(journal, outcomes, secrets, clock, random, settings);
    n.timer.execute(() -> guarded("recover", n::recover));
    long poll = settings.poll().toMillis();
    n.timer.scheduleWithFixedDelay(
        () -> guarded("tail", n::tail), poll, poll, TimeUnit.MILLISECONDS);
    return n;
  }

  private static void guarded(String what, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "notifier " + what + " failed; trying again on the next poll", e);
    }
  }

  /** Whether a webhook receives entries of {@code kind}. */
  static boolean wants(JournalEvent.Webhook w, String kind) {
    return JournalKinds.delivers(w.events(), kind);
  }

  private void recover() {
    long head = journal.head().map(Entry::seq).orElse(0L);
    hooks = configured(head);
    for (JournalEvent.Webhook w : hooks.values()) {
      Set<Long> done = new HashSet<>();
      for (String outcome : List.of("notify-delivered", "notify-failed"))
        for (Entry o : journal.entries(Query.all().afterSeq(w.afterSeq()).kind(outcome)))
          switch (EventCodec.decode(o)) {
            case JournalEvent.NotifyDelivered d when d.webhook().equals(w.id()) ->
                done.add(d.delivery());
            case JournalEvent.NotifyFailed f when f.webhook().equals(w.id()) ->
                done.add(f.delivery());
            default -> {}
          }
      List<Entry> owed = new java.util.ArrayList<>();
      for (String kind : JournalKinds.DELIVERABLE) {
        if (!wants(w, kind)) continue;
        for (Entry e : journal.entries(Query.all().afterSeq(w.afterSeq()).kind(kind)))
          if (e.seq() <= head && !done.contains(e.seq())) owed.add(e);
      }
      owed.sort(java.util.Comparator.comparingLong(Entry::seq)); // first sent, first written
      owed.forEach(e -> attempt(w, e, 1));
      if (!owed.isEmpty())
        LOG.info("webhook " + w.url().getHost() + ": " + owed.size() + " deliveries owed");
    }
    cursor = head;
    recovered = true;
  }

  /** The webhooks of the last {@code notify-configured} entry at or before {@code head}. */
  private Map<String, JournalEvent.Webhook> configured(long head) {
    Map<String, JournalEvent.Webhook> out = Map.of();
    for (Entry e : journal.entries(Query.all().kind("notify-configured")))
      if (e.seq() <= head) out = byId(e);
    return out;
  }

  private static Map<String, JournalEvent.Webhook> byId(Entry configured) {
    Map<String, JournalEvent.Webhook> out = new LinkedHashMap<>();
    if (EventCodec.decode(configured) instanceof JournalEvent.NotifyConfigured c)
      c.webhooks().forEach(w -> out.put(w.id(), w));
    return out;
  }

  private void tail() {
    if (!recovered) {
      // tailing from seq 0 would send everything again: recover first (it failed, or is retried)
      recover();
      return;
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) return;
    for (Entry e : journal.entries(Query.all().afterSeq(cursor))) {
      cursor = e.seq();
      if (e.kind().equals("notify-configured")) {
        hooks = byId(e);
        continue;
      }
      for (JournalEvent.Webhook w : hooks.values())
        if (e.seq() > w.afterSeq() && wants(w, e.kind())) attempt(w, e, 1);
      if (inFlight.size() >= MAX_IN_FLIGHT) return;
    }
  }

  /** Attempt number {@code n} of delivering {@code e}; on the timer thread. */
  private void attempt(JournalEvent.Webhook w, Entry e, int n) {
    String key = w.id() + "/" + e.seq();
    if (n == 1 && !inFlight.add(key)) return; // already under way
    if (!hooks.containsKey(w.id())) {
      inFlight.remove(key); // the webhook left the blueprint
      return;
    }
    Optional<String> secret;
    try {
      secret = secrets.apply(w.secret());
    } catch (RuntimeException ex) {
      secret = Optional.empty();
    }
    if (secret.isEmpty()) {
      finished(w, e, n, new Attempt.NoAnswer("secret " + w.secret() + " has no value"));
      return;
    }
    WebhookRequest r = WebhookRequest.of(e, secret.get(), clock.instant());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(w.url())
            .timeout(settings.timeout())
            .header("User-Agent", "kiln/" + ServerConfig.VERSION)
            .POST(HttpRequest.BodyPublishers.ofString(r.body()));
    r.headers().forEach(b::header);
    http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (resp, err) -> {
              Attempt a =
                  resp != null
                      ? new Attempt.Answered(resp.statusCode())
                      : new Attempt.NoAnswer(describe(err));
              onTimer(() -> finished(w, e, n, a));
            });
  }

  private void finished(JournalEvent.Webhook w, Entry e, int n, Attempt a) {
    String key = w.id() + "/" + e.seq();
    String host = w.url().getHost();
    switch (settings.retry().after(n, a, clock.instant(), random.nextDouble())) {
      case Next.Delivered d -> {
        journal(
            new JournalEvent.NotifyDelivered(
                w.id(), host, e.seq(), e.kind(), d.status(), d.attempts()));
        inFlight.remove(key);
      }
      case Next.GiveUp g -> {
        journal(
            new JournalEvent.NotifyFailed(
                w.id(),
                host,
                e.seq(),
                e.kind(),
                g.status() == 0 ? Optional.empty() : Optional.of(g.status()),
                g.attempts(),
                g.reason()));
        inFlight.remove(key);
      }
      case Next.RetryAt r -> {
        long wait = Math.max(0, Duration.between(clock.instant(), r.at()).toMillis());
        try {
          timer.schedule(
              () -> guarded("retry", () -> attempt(w, e, n + 1)), wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // shutting down: the restarted server delivers it (no outcome is journaled yet)
        }
      }
    }
  }

  private void journal(JournalEvent outcome) {
    try {
      outcomes.record(outcome);
    } catch (RuntimeException ex) {
      // not journaled: a restart sends it again (at least once)
      LOG.warning("cannot journal " + outcome.kind() + ": " + ex.getMessage());
    }
  }

  private void onTimer(Runnable r) {
    try {
      timer.execute(() -> guarded("delivery", r));
    } catch (RejectedExecutionException closing) {
      // shutting down
    }
  }

  private static String describe(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank()))
      t = t.getCause();
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  /** Stops delivering; what is still owed is delivered after the next start. */
  @Override
  public void close() {
    timer.shutdownNow();
    http.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
