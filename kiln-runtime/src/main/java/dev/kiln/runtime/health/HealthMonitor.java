package dev.kiln.runtime.health;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.InstanceId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Runs the health checks of many instances and publishes every result as a {@link HealthEvent}.
 *
 * <p>A single scheduler thread only dispatches; every probe runs on its own virtual thread and is
 * abandoned (interrupted, counted as a failure) when it outlives the check's timeout, so a hanging
 * probe never delays another instance's checks. A probe still in flight when its next tick comes
 * skips that tick instead of piling up. The threshold logic is {@link HealthTracker}'s; time for
 * decisions comes from the injected clock.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HealthMonitor.class.getName());

  /** Runs one probe; {@link Probes#run} in production, a fake in tests. */
  @FunctionalInterface
  public interface ProbeRunner {
    ProbeResult run(InstanceId id, int port, HealthCheck check);

    /**
     * Probes an instance reached at {@code host} (another machine's address, for drivers that place
     * instances on other hosts). Runners that only know loopback refuse other hosts rather than
     * probe the wrong machine.
     */
    default ProbeResult run(InstanceId id, String host, int port, HealthCheck check) {
      if (host.equals(dev.kiln.runtime.InstanceStatus.LOOPBACK)) return run(id, port, check);
      throw new IllegalStateException(
          "this probe runner only reaches loopback; instance " + id + " is on " + host);
    }
  }

  @FunctionalInterface
  public interface Listener {
    void onHealth(HealthEvent event);
  }

  private final Clock clock;
  private final ProbeRunner runner;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("kiln-health").unstarted(r));
  private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<InstanceId, Watch> watches = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  public HealthMonitor(Clock clock, ProbeRunner runner) {
    this.clock = clock;
    this.runner = runner;
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /**
   * Starts checking an instance that started at {@code startedAt}; replaces an earlier watch of it.
   */
  public void watch(InstanceId id, int port, HealthCheck check, Instant startedAt) {
    watch(id, dev.kiln.runtime.InstanceStatus.LOOPBACK, port, check, startedAt);
  }

  /** As {@link #watch(InstanceId, int, HealthCheck, Instant)}, for an instance on {@code host}. */
  public void watch(InstanceId id, String host, int port, HealthCheck check, Instant startedAt) {
    watch(id, host, port, check, new HealthTracker(id, check, startedAt));
  }

  /**
   * Starts checking an instance that was serving before this monitor existed (adopted after a
   * restart): HEALTHY until {@code unhealthy} consecutive failures, never "failed to start".
   */
  public void watchServing(
      InstanceId id, String host, int port, HealthCheck check, Instant startedAt) {
    watch(id, host, port, check, HealthTracker.serving(id, check, startedAt));
  }

  /**
   * Starts checking an instance adopted after a restart that was not serving: its start deadline
   * counts from now ({@link HealthTracker#adopted}).
   */
  public void watchAdopted(InstanceId id, String host, int port, HealthCheck check) {
    watch(id, host, port, check, HealthTracker.adopted(id, check, clock.instant()));
  }

  private void watch(InstanceId id, String host, int port, HealthCheck check, HealthTracker t) {
    Watch watch = new Watch(id, host, port, check, t);
    Watch old = watches.put(id, watch);
    if (old != null) old.cancel();
    watch.future =
        scheduler.scheduleAtFixedRate(
            () -> dispatch(watch),
            0,
            Math.max(10, check.interval().toMillis()),
            TimeUnit.MILLISECONDS);
  }

  public void unwatch(InstanceId id) {
    Watch watch = watches.remove(id);
    if (watch != null) watch.cancel();
  }

  /** The last event of an instance, if it was probed at least once. */
  public Optional<HealthEvent> current(InstanceId id) {
    return Optional.ofNullable(watches.get(id)).map(w -> w.last);
  }

  private void dispatch(Watch watch) {
    if (watch.cancelled) {
      watch.cancel(); // the first tick can run before watch() stored the future
      return;
    }
    if (!watch.inFlight.compareAndSet(false, true)) return;
    probes.submit(
        () -> {
          try {
            ProbeResult result = probeWithTimeout(watch);
            if (watch.cancelled) return;
            HealthEvent event = watch.tracker.observe(result);
            watch.last = event;
            publish(event);
            if (event.phase().terminal()) unwatch(watch.id);
          } finally {
            watch.inFlight.set(false);
          }
        });
  }

  private ProbeResult probeWithTimeout(Watch watch) {
    Instant at = clock.instant();
    Duration timeout = watch.check.timeout();
    Future<ProbeResult> future =
        probes.submit(() -> runner.run(watch.id, watch.host, watch.port, watch.check));
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return ProbeResult.failure("probe timed out after " + timeout, timeout, at);
    } catch (ExecutionException e) {
      return ProbeResult.failure("probe error: " + e.getCause(), Duration.ZERO, at);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.failure("probe interrupted", Duration.ZERO, at);
    }
  }

  private void publish(HealthEvent event) {
    for (Listener listener : listeners) {
      try {
        listener.onHealth(event);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "health listener failed on " + event, e);
      }
    }
  }

  @Override
  public void close() {
    watches.values().forEach(Watch::cancel);
    watches.clear();
    scheduler.shutdownNow();
    probes.shutdownNow();
  }

  private static final class Watch {
    final InstanceId id;
    final String host;
    final int port;
    final HealthCheck check;
    final HealthTracker tracker;
    final AtomicBoolean inFlight = new AtomicBoolean();
    volatile @Nullable ScheduledFuture<?> future; // set once scheduled
    volatile @Nullable HealthEvent last; // none before the first probe
    volatile boolean cancelled;

    Watch(InstanceId id, String host, int port, HealthCheck check, HealthTracker tracker) {
      this.id = id;
      this.host = host;
      this.port = port;
      this.check = check;
      this.tracker = tracker;
    }

    void cancel() {
      cancelled = true;
      ScheduledFuture<?> f = future;
      if (f != null) f.cancel(false);
    }
  }
}
