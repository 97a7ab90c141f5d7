package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.IdSource;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.LayerEntry;
import dev.kiln.image.LayerWriter;
import dev.kiln.image.MediaTypes;
import dev.kiln.journal.Entry;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceRoute;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.health.HealthEvent;
import dev.kiln.runtime.health.HealthMonitor;
import dev.kiln.runtime.health.HealthPhase;
import dev.kiln.runtime.health.ProbeResult;
import dev.kiln.testkit.FakeDriver;
import dev.kiln.testkit.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server's core in miniature for unit tests: a real journal and image store in a temp dir, a
 * {@link FakeDriver} as every runtime, a {@link MutableClock}, health verdicts set by the test, and
 * a data plane that records each published table and lets the test finish its drain.
 */
final class ServerHarness implements AutoCloseable {
  final Path home;
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T00:00:00Z"));
  final HostKey key;
  final ImageStore store;
  final List<String> events = new CopyOnWriteArrayList<>();
  final FakeDriver driver;
  private final StoreImageSource images;
  final RecordingDataPlane data = new RecordingDataPlane();
  final Journal journal;
  final ServerState state = new ServerState();
  final Recorder rec;
  final Fleet fleet;
  final HealthBook health = new HealthBook();
  final HealthMonitor monitor;
  final Executor executor;
  final Applier applier;
  final Intents intents;

  /** The runtime, which outlives a harness (a server restart) with its instances. */
  static final class Runtime {
    FakeDriver driver;
    volatile ServerHarness server;
  }

  ServerHarness(Path home) {
    this(home, new Runtime());
  }

  /** A harness over {@code home} (again, for a restart), on a runtime whose instances still run. */
  ServerHarness(Path home, Runtime runtime) {
    this.home = home;
    this.key =
        HostKey.loadIfPresent(home.resolve("keys"))
            .orElseGet(() -> HostKey.generate(home.resolve("keys")));
    this.store = ImageStore.open(home.resolve("images"));
    StoreImageSource images =
        new StoreImageSource(
            store,
            key.publicKey(),
            (digest, reason) ->
                ServerHarness.this.rec.append(
                    Executor.ACTOR,
                    "instance start: signature check failed",
                    new JournalEvent.ImageRefused(
                        Optional.empty(), digest, reason, Optional.empty())));
    runtime.server = this;
    if (runtime.driver == null) {
      runtime.driver =
          new FakeDriver(
              clock,
              Optional.of(
                  digest -> {
                    ServerHarness now = runtime.server;
                    now.events.add(
                        now.journaledStarts() > now.driver.started().size()
                            ? "journaled before the driver started it"
                            : "started before it was journaled");
                    return now.images.open(digest);
                  }));
    }
    this.driver = runtime.driver;
    this.images = images;
    this.journal = Journal.open(home.resolve("state.db"), clock);
    this.rec = new Recorder(journal, state, key);
    rec.replay();
    this.fleet = new Fleet(name -> driver);
    fleet.driver("process"); // as ControlPlane does for every runtime the journal names
    RuntimeProbes probes = new RuntimeProbes(clock, fleet::driver);
    // verdicts come from the test (healthy(), crash()); the monitor's own probes are ignored
    this.monitor =
        new HealthMonitor(
            clock,
            (id, port, check) -> ProbeResult.success("ignored", Duration.ZERO, clock.instant()));
    Secrets secrets = new Secrets(home.resolve("secrets"), Map.of());
    this.executor =
        new Executor(
            state, rec, fleet, health, monitor, probes, data, secrets, clock, new CountingIds());
    // only the test's ticks reconcile: wakes (after an apply, an intent, a stop) are ignored
    executor.pause();
    this.applier = new Applier(state, rec, executor, store, key, home, secrets, clock);
    this.intents = new Intents(state, rec, executor, clock);
  }

  /** How many instance ids the journal says were about to start. */
  private long journaledStarts() {
    return events(JournalEvent.InstanceStarting.class).stream()
        .mapToLong(e -> ((JournalEvent.InstanceStarting) e).instances().size())
        .sum();
  }

  /** Ids web-1-0001, web-1-0002…: deterministic. */
  static final class CountingIds implements IdSource {
    private int n;

    @Override
    public String newInstanceId(String service, int revision) {
      return service + "-" + revision + "-" + String.format("%04d", ++n);
    }
  }

  // --- images and blueprints ---

  /** Tags an image NAME whose one file says {@code content}, signed by {@code signer}. */
  Descriptor image(String name, String content, HostKey signer) {
    Descriptor layer =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(
                store,
                List.of(
                    new LayerEntry.Bytes(
                        "/www/index.html", content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0)));
    ImageConfig config =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.parse("2026-01-02T03:04:05Z"),
            List.of("PATH=/bin"),
            List.of("/bin/httpd"),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Map.of(),
            List.of(layer.digest()),
            List.of("layer"));
    Descriptor c = store.put(MediaTypes.CONFIG, config.toBytes());
    Descriptor m =
        store.putManifest(
            new ImageManifest(c, List.of(layer), Map.of(), Optional.empty(), Optional.empty()));
    store.tag(name, m);
    ImageSigner.sign(store, m, signer);
    return m;
  }

  /** Removes the image's signatures and signs it with {@code other}: a store re-signed. */
  void resign(Descriptor image, HostKey other) throws IOException {
    for (Descriptor sig : store.referrers(image.digest(), Optional.empty())) {
      Files.delete(store.path(sig.digest()));
    }
    ImageSigner.sign(store, image, other);
  }

  /**
   * Writes kiln.yaml (service web on image {@code image}) and returns it as the CLI submits it: the
   * content, a label, and no digests (the image is taken from the store by name).
   */
  Submission blueprint(String image, int replicas, String extra) throws IOException {
    Path folder = home.resolve("project");
    Files.createDirectories(folder);
    String y =
        "images:\n  "
            + image
            + ":\n    from: scratch\n    entrypoint: [ /bin/httpd ]\n"
            + "services:\n  web:\n    image: "
            + image
            + "\n    replicas: "
            + replicas
            + "\n    route: { host: \"*\", path: / }\n"
            + extra;
    Path file = folder.resolve("kiln.yaml");
    Files.writeString(file, y);
    return new Submission(
        y, Path.of("project", "kiln.yaml"), java.util.Map.of(), java.util.Optional.empty());
  }

  // --- driving the loop ---

  void tick() {
    executor.call(
        () -> {
          executor.reconcile();
          return null;
        });
  }

  void healthy(String id) {
    health.record(
        new HealthEvent(
            InstanceId.of(id),
            HealthPhase.HEALTHY,
            true,
            "ok",
            Duration.ZERO,
            clock.instant(),
            1,
            0));
  }

  /** Every running instance of {@code revision} turns healthy. */
  void allHealthy(int revision) {
    driver.list().stream()
        .filter(s -> s.running() && s.spec().revision() == revision)
        .forEach(s -> healthy(s.id().value()));
  }

  List<String> running() {
    return driver.list().stream().filter(s -> s.running()).map(s -> s.id().value()).toList();
  }

  List<Entry> entries() {
    return journal.entries(Query.all());
  }

  List<String> kinds() {
    return entries().stream().map(Entry::kind).toList();
  }

  List<JournalEvent> events(Class<? extends JournalEvent> type) {
    return entries().stream()
        .map(EventCodec::decode)
        .filter(type::isInstance)
        .map(e -> (JournalEvent) e)
        .toList();
  }

  /** Ticks (each after {@code step} of clock) until {@code done}, at most {@code max} times. */
  void tickUntil(java.util.function.BooleanSupplier done, Duration step, int max) {
    for (int i = 0; i < max && !done.getAsBoolean(); i++) {
      tick();
      clock.advance(step);
    }
    assertThat(done.getAsBoolean()).as("condition reached within " + max + " ticks").isTrue();
  }

  @Override
  public void close() {
    executor.close();
    monitor.close();
    journal.close();
  }

  /** Records each published table; each publish's drain completes when the test says so. */
  static final class RecordingDataPlane implements DataPlane {
    final List<List<ServiceRoute>> tables = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<DrainReport>> drains = new CopyOnWriteArrayList<>();
    volatile boolean drainAtOnce = true;

    /** How often the executor asked for the router's metrics (an HTTP call to a router process). */
    final java.util.concurrent.atomic.AtomicInteger metricsAsked =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public CompletableFuture<DrainReport> publish(List<ServiceRoute> services) {
      tables.add(List.copyOf(services));
      CompletableFuture<DrainReport> d = new CompletableFuture<>();
      drains.add(d);
      if (drainAtOnce) d.complete(new DrainReport(tables.size(), List.of(), List.of()));
      return d;
    }

    void finishDrains() {
      drains.forEach(d -> d.complete(new DrainReport(tables.size(), List.of(), List.of())));
    }

    /** The backends of service {@code service} in the last table, as "id@revision". */
    List<String> backends(String service) {
      if (tables.isEmpty()) return List.of();
      List<String> out = new ArrayList<>();
      tables.getLast().stream()
          .filter(s -> s.service().equals(service))
          .forEach(s -> s.backends().forEach(b -> out.add(b.id() + "@" + b.revision())));
      return out;
    }

    @Override
    public RouteTable table() {
      return RouteTable.empty();
    }

    @Override
    public RouterMetrics metrics() {
      metricsAsked.incrementAndGet();
      return new RouterMetrics(0, 0, List.of());
    }

    @Override
    public String prometheus() {
      return "";
    }

    @Override
    public String address() {
      return "127.0.0.1:0";
    }

    @Override
    public void close() {}
  }
}
