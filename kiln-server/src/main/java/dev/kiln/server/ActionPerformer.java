package dev.kiln.server;

import dev.kiln.controller.Action;
import dev.kiln.controller.Revision;
import dev.kiln.controller.StartBackoff;
import dev.kiln.model.HealthCheck;
import dev.kiln.router.DrainReport;
import dev.kiln.runtime.ImageRefusedException;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.health.HealthMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Performs one journaled {@link Action} from its own data, on the loop thread: starts instances
 * through their runtime and puts them under health watch, publishes routes, and stops instances —
 * out of the route at once, then drained and stopped on a virtual thread of its own, so a process
 * that ignores SIGTERM never holds up the loop. Decides nothing beyond what a failure forces (a
 * failed start paced, a refused image's rollout aborted).
 */
final class ActionPerformer {
  static final Duration DRAIN_WAIT = Duration.ofSeconds(15);
  static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Logger LOG = Logger.getLogger(ActionPerformer.class.getName());

  private final ServerState state;
  private final Recorder rec;
  private final Fleet fleet;
  private final HealthBook health;
  private final HealthMonitor monitor;
  private final RuntimeProbes probes;
  private final Secrets secrets;
  private final Clock clock;
  private final Observer observer;
  private final RoutePublisher routes;
  private final StartPacing pacing;
  private final Moves moves;
  private final Autoscaling autoscaling;
  private final Runnable wake;
  private final ExecutorService stoppers = Executors.newVirtualThreadPerTaskExecutor();

  ActionPerformer(
      ServerState state,
      Recorder rec,
      Fleet fleet,
      HealthBook health,
      HealthMonitor monitor,
      RuntimeProbes probes,
      Secrets secrets,
      Clock clock,
      Observer observer,
      RoutePublisher routes,
      StartPacing pacing,
      Moves moves,
      Autoscaling autoscaling,
      Runnable wake) {
    this.state = state;
    this.rec = rec;
    this.fleet = fleet;
    this.health = health;
    this.monitor = monitor;
    this.probes = probes;
    this.secrets = secrets;
    this.clock = clock;
    this.observer = observer;
    this.routes = routes;
    this.pacing = pacing;
    this.moves = moves;
    this.autoscaling = autoscaling;
    this.wake = wake;
  }

  /** Performs one action from its own data; a stop's completion is returned. */
  List<CompletableFuture<Void>> perform(Action a, Round round) {
    switch (a) {
      case Action.StartInstances s -> {
        for (String id : s.instanceIds()) {
          try {
            startInstance(s.service(), s.revision(), id);
          } catch (RuntimeException e) {
            startFailed(s.service(), s.revision(), id, e);
            break;
          }
        }
      }
      case Action.StopInstance s -> {
        Executor.Observed o = round.byId().get(s.instanceId());
        if (o != null)
          return List.of(stopInstance(round, o.running().runtime(), s.instanceId(), s.drain()));
      }
      case Action.SetTraffic s -> routes.publish(round, Map.of(s.service(), s.traffic()));
      // adopted instances serve their new revision from now on (publish asks the state)
      case Action.AdoptInstances s -> routes.publish(round, Map.of());
      case Action.RecordEvent s -> {}
    }
    return List.of();
  }

  private void startInstance(String service, int revisionNumber, String id) {
    Revision rev =
        state
            .revision(service, revisionNumber)
            .orElseThrow(
                () ->
                    new ServerException(
                        "service " + service + " has no revision " + revisionNumber));
    var config = rev.config();
    Map<String, String> secretValues = secrets.values(service, config.secrets());
    int port = freePort();
    InstanceSpec spec =
        new InstanceSpec(
            InstanceId.of(id),
            service,
            revisionNumber,
            rev.image(),
            List.of(),
            config.env(),
            secretValues,
            port,
            config.volumes(),
            config.resources(),
            Map.of(
                "dev.kiln.service",
                service,
                "dev.kiln.revision",
                Integer.toString(revisionNumber),
                "dev.kiln.network",
                config.network()));
    observer.beginStart(); // a listing taken before may miss it
    InstanceStatus started = fleet.driver(config.runtime()).start(spec);
    moves.started(revisionNumber, started, config.runtime());
    probes.assign(started.id(), config.runtime());
    HealthCheck check = config.health().orElse(Executor.DEFAULT_HEALTH);
    // a request is waiting for this instance: find it healthy in milliseconds, not at the interval
    if (autoscaling.isWaking(service)) check = wakeCheck(check);
    monitor.watch(started.id(), started.address(), port, check, started.startedAt());
  }

  /**
   * A start that fails (image refused, runtime error) is journaled; the service waits before the
   * next attempt ({@link StartBackoff}, the healer's policy). A refused image cannot start on a
   * retry: its rollout is aborted at once.
   */
  private void startFailed(String service, int revision, String id, RuntimeException e) {
    Instant now = clock.instant();
    StartBackoff b = pacing.failed(service, now);
    rec.append(
        Executor.ACTOR,
        "start failed: " + e.getMessage(),
        new JournalEvent.InstanceFailed(
            service,
            revision,
            id,
            String.valueOf(e.getMessage()),
            Duration.between(now, b.notBefore())));
    LOG.warning(
        "instance "
            + id
            + " of "
            + service
            + "@"
            + revision
            + " failed to start: "
            + e.getMessage());
    if (!(e instanceof ImageRefusedException)) return;
    state
        .rollout(service)
        .filter(r -> !r.phase().isTerminal() && r.to() == revision)
        .ifPresent(
            r -> {
              rec.append(
                  Executor.ACTOR,
                  "image refused: " + e.getMessage(),
                  new JournalEvent.RolloutIntent(r.requestAbort(), Optional.of("abort")));
              // nothing to wait for: the abort is what happens next
              pacing.clear(service);
              wake.run();
            });
  }

  /**
   * Out of the route first, on this thread; then, off it, wait for the drain and stop and remove
   * the instance (a process that ignores SIGTERM takes the whole grace period, which must not hold
   * up every other service). While it stops, the instance is invisible to the planners.
   */
  private CompletableFuture<Void> stopInstance(
      Round round, String runtime, String id, boolean drain) {
    if (!observer.beginStop(id)) return CompletableFuture.completedFuture(null);
    // An instance that was ever routed may have requests in flight, whatever the planner thought.
    boolean wasRouted = routes.everRouted(id);
    CompletableFuture<DrainReport> drained;
    try {
      drained = routes.publish(round, Map.of());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot take instance " + id + " out of the route", e);
      drained = CompletableFuture.completedFuture(null);
    }
    // the instance may have left the table with an earlier swap (traffic moved off its revision)
    CompletableFuture<DrainReport> d = routes.leftWith(id, drained);
    return CompletableFuture.runAsync(
        () -> {
          try {
            if (drain || wasRouted) {
              try {
                d.get(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException | ExecutionException e) {
                LOG.warning("instance " + id + ": drain did not finish cleanly: " + e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            monitor.unwatch(InstanceId.of(id));
            probes.forget(InstanceId.of(id));
            var driver = fleet.driver(runtime);
            // a decision from a tick that observed it just before an earlier stop removed it
            if (driver.inspect(InstanceId.of(id)).isEmpty()) return;
            driver.stop(InstanceId.of(id), STOP_GRACE);
            driver.destroy(InstanceId.of(id));
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot stop instance " + id, e);
          } finally {
            health.forget(id);
            routes.forget(id);
            observer.endStop(id);
            wake.run();
          }
        },
        stoppers);
  }

  private static HealthCheck wakeCheck(HealthCheck steady) {
    return new HealthCheck(
        steady.probe(),
        Duration.ofMillis(10),
        steady.timeout(),
        1,
        steady.unhealthy(),
        steady.startDeadline());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
    }
  }

  /** No new stops; those under way finish (see {@link #awaitStops}). */
  void shutdown() {
    stoppers.shutdown();
  }

  void awaitStops(long timeout, TimeUnit unit) throws InterruptedException {
    stoppers.awaitTermination(timeout, unit);
  }
}
