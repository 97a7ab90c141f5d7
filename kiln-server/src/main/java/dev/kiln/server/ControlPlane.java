package dev.kiln.server;

import dev.kiln.image.HostKey;
import dev.kiln.image.ImageStore;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.Journal;
import dev.kiln.router.Backend;
import dev.kiln.router.RouteTable;
import dev.kiln.router.RouterConfig;
import dev.kiln.router.ServiceRoute;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.health.HealthMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The composition root: opens the journal and rebuilds the state from it, adopts the running
 * instances, starts the router with the last route table (so traffic resumes at once), then the
 * reconcile loop and the REST API.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());

  final ServerConfig config;
  final ServerState state;
  final Recorder rec;
  final HostKey key;
  final Fleet fleet;
  final HealthMonitor monitor;
  final DataPlane data;
  final Executor executor;
  final Applier applier;
  final Intents intents;
  private final ApiServer api;

  /** The branch this server follows ({@code kiln server --git}); set by {@link GitFollower}. */
  volatile Optional<GitFollower> git = Optional.empty();

  /** Delivers journal entries to the blueprint's webhooks; set once the loop runs. */
  private @Nullable Notifier notifier;

  private ControlPlane(
      ServerConfig config,
      ServerState state,
      Recorder rec,
      HostKey key,
      Fleet fleet,
      HealthMonitor monitor,
      DataPlane data,
      Executor executor,
      Applier applier,
      Intents intents,
      EnvironmentRouters routers,
      Promotions promotions,
      ApiServer.Factory api) {
    this.config = config;
    this.state = state;
    this.rec = rec;
    this.key = key;
    this.fleet = fleet;
    this.monitor = monitor;
    this.data = data;
    this.executor = executor;
    this.applier = applier;
    this.intents = intents;
    // set before the API starts: a request may reach them at once
    this.routers = routers;
    this.promotions = promotions;
    this.api = api.start(this);
  }

  /** Nothing is built from a journal that fails verification (DESIGN, invariant 7). */
  private static void requireTrusted(Journal journal, HostKey key) {
    try {
      journal.requireTrusted(key.publicKey()).warnings().forEach(LOG::warning);
    } catch (RuntimeException e) {
      journal.close();
      throw e;
    }
  }

  public static ControlPlane start(ServerConfig config) {
    Path home = config.home();
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new ServerException("cannot create KILN_HOME " + home + ": " + e.getMessage(), e);
    }
    HostKey key =
        HostKey.loadIfPresent(home.resolve("keys"))
            .orElseGet(
                () -> {
                  HostKey k = HostKey.generate(home.resolve("keys"));
                  LOG.info(
                      "no host key in "
                          + home.resolve("keys")
                          + ": generated one (key id "
                          + k.keyId()
                          + ")");
                  return k;
                });
    Path db = home.resolve("state.db");
    Journal journal = Journal.open(db, config.clock(), Anchoring.beside(db, config.environment()));
    requireTrusted(journal, key);
    ServerState state = new ServerState();
    Recorder rec = new Recorder(journal, state, key);
    rec.replay();
    ImageStore store = ImageStore.open(home.resolve("images"));
    StoreImageSource images =
        new StoreImageSource(
            store,
            key.publicKey(),
            (digest, reason) ->
                rec.append(
                    Executor.ACTOR,
                    "instance start: signature check failed",
                    new JournalEvent.ImageRefused(
                        java.util.Optional.empty(), digest, reason, java.util.Optional.empty())));
    Fleet fleet = new Fleet(new DriverContext(home, config.clock(), images));
    TreeSet<String> runtimes = new TreeSet<>(List.of("process"));
    state
        .services()
        .keySet()
        .forEach(s -> state.revisions(s).forEach(r -> runtimes.add(r.config().runtime())));
    for (String rt : runtimes) {
      try {
        fleet.driver(rt);
      } catch (RuntimeException e) {
        LOG.warning("runtime " + rt + " unavailable: " + e.getMessage());
      }
    }
    HealthBook health = new HealthBook();
    RuntimeProbes probes = new RuntimeProbes(config.clock(), fleet::driver);
    HealthMonitor monitor = new HealthMonitor(config.clock(), probes);
    List<Fleet.Running> running = fleet.list().stream().filter(r -> r.status().running()).toList();
    DataPlane data;
    if (config.separateRouter()) {
      data = RemoteDataPlane.adoptOrStart(home, config.router(), config.routerTls());
      adoptTable(data.table(), running, health, config);
    } else {
      RouteTable saved =
          TableFile.read(home.resolve("router/table.json")).orElse(RouteTable.empty());
      data =
          LocalDataPlane.start(
              RouterConfig.builder()
                  .listen(config.router().getHostString(), config.router().getPort())
                  .tlsListeners(config.routerTls())
                  // as a router process's loops, unless told not to (ServerConfig.pinRouterLoops)
                  .pinLoops(config.pinRouterLoops())
                  .build(),
              home.resolve("router/table.json"),
              adoptTable(saved, running, health, config));
    }
    IdSource ids = new IdSource();
    Secrets secrets = new Secrets(home.resolve("secrets"), config.environment());
    rec.guard(secrets::seen);
    EnvironmentRouters routers = environmentRouters(config, state, data, running, health);
    Executor executor =
        new Executor(
            state, rec, fleet, health, monitor, probes, routers, secrets, config.clock(), ids);
    monitor.addListener(
        e -> {
          if (health.record(e)) executor.wake();
        });
    executor.autoscaleWith(Autoscaler.settings(config.environment()));
    executor.tlsWith(new EdgeTls(home, secrets, config.clock()));
    for (Fleet.Running r : running) {
      var spec = r.status().spec();
      var check =
          state
              .revision(spec.service(), state.revisionOf(r.id(), spec.revision()))
              .flatMap(rv -> rv.config().health())
              .orElse(Executor.DEFAULT_HEALTH);
      probes.assign(InstanceId.of(r.id()), r.runtime());
      // one that served before the restart stays routed through a failed first probe: it needs
      // `unhealthy` failures in a row, as before the restart (not "failed to start": its start
      // deadline passed long ago)
      if (health.trusted(r.id()))
        monitor.watchServing(
            InstanceId.of(r.id()),
            r.status().address(),
            spec.port(),
            check,
            r.status().startedAt());
      // one that did not serve (a warm or preview fleet) gets a whole start deadline from now:
      // from its own start, long ago, its first passing probe already counted as "failed to start"
      else monitor.watchAdopted(InstanceId.of(r.id()), r.status().address(), spec.port(), check);
    }
    rec.append(
        Executor.ACTOR,
        "control plane started",
        new JournalEvent.ServerStarted(
            running.stream().map(Fleet.Running::id).toList(),
            config.api().toString(),
            data.address(),
            key.keyId()));
    Applier applier =
        new Applier(
            state,
            rec,
            executor,
            store,
            key,
            home,
            secrets,
            config.clock(),
            AdmissionCheck.load(config.advisories(), store, config.clock()));
    Intents intents = new Intents(state, rec, executor, config.clock());
    Promotions promotions = applier.promotions();
    ControlPlane cp =
        new ControlPlane(
            config,
            state,
            rec,
            key,
            fleet,
            monitor,
            data,
            executor,
            applier,
            intents,
            routers,
            promotions,
            ApiServer::start);
    executor.start();
    cp.notifier =
        Notifier.start(
            journal,
            outcome -> executor.call(() -> rec.append(Executor.ACTOR, "notify", outcome)),
            secrets::value,
            config.clock(),
            new SecureRandom(),
            Notifier.Settings.DEFAULT);
    LOG.info(
        "kiln server: API on http://"
            + cp.apiAddress()
            + ", router on "
            + data.address()
            + ", "
            + running.size()
            + " running instance(s) adopted");
    return cp;
  }

  /**
   * The last saved route table, keeping only backends whose instance still runs on the same port:
   * those served before the restart and are trusted healthy until probed.
   */
  private static RouteTable adoptTable(
      RouteTable saved, List<Fleet.Running> running, HealthBook health, ServerConfig config) {
    Map<String, Integer> ports = new HashMap<>();
    running.forEach(r -> ports.put(r.id(), r.status().spec().port()));
    List<ServiceRoute> services = new ArrayList<>();
    for (ServiceRoute s : saved.services()) {
      List<Backend> kept =
          s.backends().stream()
              .filter(b -> ports.getOrDefault(b.id(), -1) == b.address().getPort())
              .toList();
      kept.forEach(b -> health.trustAsHealthy(b.id(), config.clock().instant()));
      services.add(s.withBackends(kept));
    }
    return new RouteTable(saved.version(), services);
  }

  /** Each environment's router (issue 15); the default environment's is {@link #data}. */
  final EnvironmentRouters routers;

  /**
   * Every router's data plane: the environments' routers with the server's own ({@code /metrics},
   * the dashboard's charts).
   */
  DataPlane allRouters() {
    return routers;
  }

  final Promotions promotions;

  /**
   * The data plane split per environment, with the router of every environment the journal knows
   * started (or adopted) now, before the loop publishes: traffic of an environment never passes
   * through another's listener.
   */
  private static EnvironmentRouters environmentRouters(
      ServerConfig config,
      ServerState state,
      DataPlane main,
      List<Fleet.Running> running,
      HealthBook health) {
    EnvironmentRouters routers =
        new EnvironmentRouters(
            main,
            (env, address) -> {
              Path home = config.home().resolve("environments").resolve(env);
              if (config.separateRouter()) {
                // an adopted router process serves its last table: its backends are trusted
                // healthy as the main router's are, or the first publish (before the first probe
                // lands) would empty their routes: 503 for a healthy service after a restart
                RemoteDataPlane remote = RemoteDataPlane.adoptOrStartEnvironment(home, address);
                adoptTable(remote.table(), running, health, config);
                return remote;
              }
              RouteTable saved =
                  TableFile.read(home.resolve("router/table.json")).orElse(RouteTable.empty());
              return LocalDataPlane.start(
                  RouterConfig.builder()
                      .listen(address.getHostString(), address.getPort())
                      .pinLoops(config.pinRouterLoops())
                      .build(),
                  home.resolve("router/table.json"),
                  adoptTable(saved, running, health, config));
            });
    for (var e : state.environments().entrySet()) {
      try {
        routers.ensure(e.getKey(), e.getValue().router());
      } catch (RuntimeException ex) {
        LOG.warning("environment " + e.getKey() + ": no router: " + ex.getMessage());
      }
    }
    return routers;
  }

  /** Instance ids: service, revision and 6 random hex characters (journaled before use). */
  static final class IdSource implements dev.kiln.controller.IdSource {
    private final SecureRandom random = new SecureRandom();

    @Override
    public String newInstanceId(String service, int revision) {
      byte[] b = new byte[3];
      random.nextBytes(b);
      return service + "-" + revision + "-" + HexFormat.of().formatHex(b);
    }
  }

  public String apiAddress() {
    return api.address();
  }

  /** Where the router listens for HTTPS ({@code host:port}), if it does. */
  public java.util.List<String> routerTlsAddresses() {
    return data.tlsAddresses();
  }

  public String routerAddress() {
    return data.address();
  }

  /** Where environment {@code env}'s services are served ({@code kiln up --env}). */
  public String routerAddress(Optional<String> env) {
    return env.flatMap(e -> routers.addressOf(e)).orElse(data.address());
  }

  /**
   * {@code kiln up --env E}: applies a blueprint given as content to one environment (its router
   * started first), or to the default one, and returns its plan; rollouts run on.
   */
  public dev.kiln.controller.Plan apply(
      String content,
      Path label,
      Map<String, dev.kiln.model.Digest> images,
      Map<String, String> certificates,
      String actor,
      Optional<String> env) {
    return applyTo(
            new Submission(content, label, images, Optional.empty(), certificates), actor, env)
        .plan();
  }

  /** Ends a separate router process (tests, benchmarks); normally it outlives the server. */
  public void stopRouter() {
    if (data instanceof RemoteDataPlane remote) remote.terminateAndWait();
    if (routers != null) routers.terminateEnvironments();
  }

  public Path home() {
    return config.home();
  }

  /** As {@link #apply(String, Path, Map, String)}, with route.tls certificate files' content. */
  public dev.kiln.controller.Plan apply(
      String content,
      Path label,
      Map<String, dev.kiln.model.Digest> images,
      Map<String, String> certificates,
      String actor) {
    return applier
        .apply(new Submission(content, label, images, Optional.empty(), certificates), actor)
        .plan();
  }

  /**
   * Applies a blueprint given as content ({@code label} only names it in errors and the journal;
   * {@code images} are the digests its caller baked) and returns its plan; rollouts run on.
   */
  public dev.kiln.controller.Plan apply(
      String content, Path label, Map<String, dev.kiln.model.Digest> images, String actor) {
    return applier.apply(new Submission(content, label, images, Optional.empty()), actor).plan();
  }

  /**
   * Applies a submission to one environment ({@code kiln apply --env E}, a git commit per
   * environment), or to the default one: the environment's router is started first, so a port that
   * cannot be bound refuses the apply before anything is journaled.
   */
  Applier.Applied applyTo(Submission submission, String actor, Optional<String> env) {
    // parsed once: the router comes from it, and the applier plans from the same blueprint
    dev.kiln.model.Blueprint parsed =
        dev.kiln.blueprint.BlueprintParser.parse(submission.label(), submission.content());
    env.flatMap(parsed::environment).ifPresent(e -> routers.ensure(e.name(), e.router()));
    return applier.apply(submission, parsed, actor, env);
  }

  /** The API's unix socket, {@code $KILN_HOME/api.sock}. */
  public Path apiSocket() {
    return api.socket();
  }

  /** A status snapshot for `kiln up`'s live view and the API. */
  public Views views() {
    return new Views(this);
  }

  /**
   * Stops every instance cleanly (out of the route, drained, stopped) and stops reconciling, so
   * nothing restarts them: how {@code kiln up} ends on Ctrl-C.
   */
  public void stopFleet(String actor) {
    List<CompletableFuture<Void>> stops =
        executor.call(
            () -> {
              executor.pause();
              return executor.act(
                  actor,
                  "kiln up stopped (Ctrl-C)",
                  executor.stopEverything("kiln up stopped"),
                  List.of());
            });
    CompletableFuture.allOf(stops.toArray(new CompletableFuture[0])).join();
  }

  @Override
  public void close() {
    if (notifier != null) notifier.close();
    api.close();
    executor.close();
    monitor.close();
    try {
      rec.checkpoint();
    } catch (RuntimeException e) {
      LOG.warning("no checkpoint at shutdown: " + e.getMessage());
    }
    rec.journal().close();
    if (routers != null) routers.closeEnvironments();
    data.close();
    fleet.close();
  }
}
