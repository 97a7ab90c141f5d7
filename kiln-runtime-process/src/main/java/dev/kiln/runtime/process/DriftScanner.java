package dev.kiln.runtime.process;

import dev.kiln.runtime.Drift;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.RuntimeDriverException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process runtime's drift detector (issue 10): the root watcher's findings, and scans of each
 * running instance's own {@code /proc} for intruding processes, undeclared listeners and a changed
 * environment or command of its main process. {@link ProcessDriver} owns the lifecycle and tells
 * this class what it launched, what runs an exec and what is gone.
 */
final class DriftScanner implements AutoCloseable {
  private final DriverContext context;
  private final RootfsCache rootfs;
  private final ImageMount images;
  private final RootWatcher watcher = new RootWatcher();

  private final Map<InstanceId, Map<Drift.Surface, Drift>> drifted = new ConcurrentHashMap<>();

  /**
   * Per instance, the environment its main process was launched with (as keyed digests) and the
   * command it settled on once it served ({@link MainProcess}). The key is this driver's own and
   * never stored, so no digest of a secret outlives it.
   */
  private final Map<InstanceId, MainProcess.Expected> launchedEnv = new ConcurrentHashMap<>();

  private final Map<InstanceId, MainProcess.Observed> settledCommand = new ConcurrentHashMap<>();

  /**
   * Per instance, the keyed digest of its main process's environ and cmdline when they last showed
   * no drift: while it is the same they are not parsed again.
   */
  private final Map<InstanceId, byte[]> unchangedMain = new ConcurrentHashMap<>();

  /** Per running instance (by id), its command's {@link ProcStat.Snapshot#execMark} this scan. */
  private final Map<String, Long> execMarks = new java.util.HashMap<>();

  /** Per instance, the exec mark when its environ and cmdline were last found clean. */
  private final Map<InstanceId, Long> cleanMarks = new ConcurrentHashMap<>();

  /** The last answer, and the root watcher's change count it saw. */
  private @org.jspecify.annotations.Nullable List<Drift> lastAnswer;

  private long rootChangesSeen = -1;

  /** Bumped when an instance is forgotten: the last answer may name it. */
  private final AtomicLong forgotten = new AtomicLong();

  private long forgottenSeen = -1;

  /** The network namespaces' counts and tables, read at most once per scan. */
  private final NetTables netTables = new NetTables();

  private final byte[] digestKey = randomKey();

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return key;
  }

  /**
   * Per instance command (host pid), its {@code stat}, kept open between scans; closed when no
   * record names that pid any more.
   */
  private final Map<Long, ProcFile> statFiles = new java.util.HashMap<>();

  private final Set<Long> statRead = new java.util.HashSet<>();

  private final byte[] statBuffer = new byte[1024]; // a stat line is some 300 bytes

  /** instance.json never changes once written: parsed once per instance, not once per tick. */
  private final Map<String, InstanceRecord> records = new ConcurrentHashMap<>();

  /** The /proc scans (processes, sockets) run at most this often; the root watcher is evented. */
  private final long scanEveryNanos;

  private volatile long lastScan;

  /** Per instance, its processes as seen through its own /proc ({@link InstanceScan}). */
  private final Map<InstanceId, InstanceScan> scans = new ConcurrentHashMap<>();

  /** Scans between two full inspections of every process (20 × 500 ms: 10 s). */
  private static final int FULL_PASS_EVERY = 20;

  private int scansSinceFull;

  /** The instances running at the last scan. */
  private List<InstanceRecord> running = List.of();

  /**
   * Scans come every {@code drift-idle-scan-ms} (800) while nothing changes, every {@code
   * drift-scan-ms} (500) after one that saw a new process, listener or drift: with the executor's
   * 200 ms tick, drift is journaled within about a second either way.
   */
  private final long idleScanEveryNanos;

  private boolean changedLastScan = true;

  /**
   * Per instance, bumped when an exec (a health probe, {@code kiln exec}) starts and ends: odd
   * while one runs. Exec joins the instance's pid namespace from outside, by design; the process
   * scan skips an instance whose exec ran at any time during the scan.
   */
  private final Map<InstanceId, AtomicLong> execs = new ConcurrentHashMap<>();

  DriftScanner(DriverContext context, RootfsCache rootfs, ImageMount images) {
    this.context = context;
    this.rootfs = rootfs;
    this.images = images;
    this.scanEveryNanos =
        TimeUnit.MILLISECONDS.toNanos(
            context.option("drift-scan-ms").map(Long::parseLong).orElse(500L));
    this.idleScanEveryNanos =
        Math.max(
            scanEveryNanos,
            TimeUnit.MILLISECONDS.toNanos(
                context.option("drift-idle-scan-ms").map(Long::parseLong).orElse(800L)));
  }

  /** Watches an instance's root from its start (inotify; {@link RootWatcher}). */
  void watch(Path root) {
    watcher.watch(root);
  }

  /** The full re-read of every watched root: the net for what inotify cannot see. */
  void verifyRoots() {
    watcher.verifyAll();
  }

  /** An instance was launched with this environment: its main process's expected one. */
  void launched(InstanceId id, Map<String, String> env) {
    launchedEnv.put(id, MainProcess.Expected.of(env, Set.of(), digestKey));
  }

  /** An exec joins the instance from outside: its processes are not drift while it runs. */
  void execStarts(InstanceId id) {
    execs.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
  }

  /** The exec begun by {@link #execStarts} ended. */
  void execEnds(InstanceId id) {
    execs.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
  }

  /** The instance is destroyed: its verdicts and scan state go with it. */
  void forget(InstanceId id) {
    drifted.remove(id);
    scans.remove(id);
    launchedEnv.remove(id);
    settledCommand.remove(id);
    unchangedMain.remove(id);
    cleanMarks.remove(id);
    execs.remove(id);
    forgotten.incrementAndGet();
  }

  /**
   * Root filesystem drift (the shared root's watcher: a change marks every instance running from
   * it, and the root is distrusted so the next start builds a fresh one) and process drift (a
   * process in the instance's pid namespace not descended from its command). Sticky per instance.
   */
  synchronized List<Drift> drift() {
    Instant now = context.clock().instant();
    long nanos = System.nanoTime();
    boolean scanNow = nanos - lastScan >= (changedLastScan ? scanEveryNanos : idleScanEveryNanos);
    // an idle tick with no new root change and no instance forgotten has the last tick's answer
    long rootChanges = watcher.recorded();
    long forgets = forgotten.get();
    List<Drift> last = lastAnswer;
    if (!scanNow && rootChanges == rootChangesSeen && forgets == forgottenSeen && last != null) {
      return new ArrayList<>(last);
    }
    rootChangesSeen = rootChanges;
    forgottenSeen = forgets;
    List<Drift> out = new ArrayList<>();
    // Between scans only the root watcher's findings (in memory) are fresh: the instances running
    // are the last scan's, so an idle tick reads nothing from the kernel.
    if (scanNow) {
      lastScan = nanos;
      changedLastScan = false;
      Optional<List<InstanceRecord>> listed = runningRecords();
      if (listed.isEmpty()) {
        lastAnswer = List.of();
        return out;
      }
      running = listed.get();
      scansSinceFull++;
      netTables.beginScan();
    }
    // every so often each process is inspected again, not only the new ones: an exec in place
    boolean fullPass = scanNow && scansSinceFull >= FULL_PASS_EVERY;
    if (fullPass) scansSinceFull = 0;
    List<InstanceRecord> records = running;
    Map<InstanceId, Long> execsBefore = new java.util.HashMap<>();
    if (scanNow) execs.forEach((k, v) -> execsBefore.put(k, v.get()));
    for (InstanceRecord record : records) {
      InstanceId id = InstanceId.of(record.id());
      Map<Drift.Surface, Drift> found = drifted.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
      Path root = Path.of(record.rootfs());
      if (!found.containsKey(Drift.Surface.ROOTFS)) {
        // adopted instances: watched from the first look (a stat of the root: again on full passes)
        if (scanNow && (fullPass || !scans.containsKey(id))) watcher.watch(root);
        List<RootWatcher.Change> changes = watcher.changes(root);
        if (!changes.isEmpty()) {
          RootWatcher.Change c = changes.getFirst();
          // a path in the tree (relative), or the image file behind a read-only root (absolute)
          String path = c.path().startsWith("/") ? c.path() : "/" + c.path();
          found.put(
              Drift.Surface.ROOTFS,
              new Drift(
                  id,
                  Drift.Surface.ROOTFS,
                  path,
                  Map.of(
                      "path", path,
                      "expected", c.expected(),
                      "found", c.found(),
                      "changes", Integer.toString(changes.size())),
                  now));
          rootfs.distrust(root);
          images.distrust(root); // an image written to: re-hashed, so rebuilt, for the next start
        }
      }
      InstanceScan own =
          record.sandboxed()
              ? scans.computeIfAbsent(id, k -> new InstanceScan(record.pid(), record.spec().port()))
              : null;
      if (scanNow && own != null) own.beginScan(netTables);
      if (scanNow && own != null && fullPass) own.forgetSettled();
      if (scanNow && own != null && !found.containsKey(Drift.Surface.PROCESS)) {
        List<InstanceScan.Intruder> intruders = own.intruders(own.rootDevice());
        if (own.sawNew()) changedLastScan = true;
        if (!intruders.isEmpty() && !execRan(id, execsBefore)) {
          InstanceScan.Intruder i = intruders.getFirst();
          // the host pid is looked up (a walk of /proc) only now, when there is drift to report
          String hostPid =
              InstanceScan.hostPid(record.pid(), i.pid()).stream()
                  .mapToObj(Long::toString)
                  .findFirst()
                  .orElse("?");
          found.put(
              Drift.Surface.PROCESS,
              new Drift(
                  id,
                  Drift.Surface.PROCESS,
                  "pid " + hostPid,
                  Map.of(
                      "pid", hostPid,
                      "pid-in-instance", Integer.toString(i.pid()),
                      "exe", i.exe(),
                      "parent", Integer.toString(i.parent()),
                      "reason", i.reason()),
                  now));
        }
      }
      if (scanNow && own != null && !found.containsKey(Drift.Surface.SOCKET)) {
        List<InstanceScan.Listener> extra = own.extraListeners(own.declared());
        if (!extra.isEmpty()) {
          InstanceScan.Listener l = extra.getFirst();
          String hostPid =
              InstanceScan.hostPid(record.pid(), l.pid()).stream()
                  .mapToObj(Long::toString)
                  .findFirst()
                  .orElse("?");
          found.put(
              Drift.Surface.SOCKET,
              new Drift(
                  id,
                  Drift.Surface.SOCKET,
                  "port " + l.port(),
                  Map.of(
                      "port", Integer.toString(l.port()),
                      "declared", Integer.toString(record.spec().port()),
                      "pid", hostPid,
                      "exe", own.exe(l.pid())),
                  now));
        }
      }
      if (scanNow && own != null && !found.containsKey(Drift.Surface.ENV)) {
        mainProcessDrift(record, own, fullPass).ifPresent(d -> found.put(Drift.Surface.ENV, d));
      }
      if (!found.isEmpty()) changedLastScan = true;
      out.addAll(found.values());
    }
    out.sort(
        java.util.Comparator.comparing((Drift d) -> d.instance().value())
            .thenComparing(Drift::surface));
    lastAnswer = List.copyOf(out);
    return out;
  }

  /**
   * Environment and command drift of the instance's main process: its environment against the
   * launched one (for an adopted instance, the one in its record: secrets by name only), its
   * command against the one it served with.
   */
  private Optional<Drift> mainProcessDrift(
      InstanceRecord record, InstanceScan scan, boolean fullPass) {
    InstanceId id = InstanceId.of(record.id());
    boolean settling = !settledCommand.containsKey(id) && scan.serves(scan.declared());
    // an exec moves the process's argument and environment areas (its stat shows where): while
    // they stay, environ and cmdline are re-read only on the full pass (an overwrite in place)
    Long mark = execMarks.get(record.id());
    if (!settling && !fullPass && mark != null && mark.equals(cleanMarks.get(id))) {
      return Optional.empty();
    }
    // environ and cmdline change only by an exec or a write over them: while their digest is the
    // one last found clean, nothing is parsed (unless the command settles now: it needs reading)
    Optional<byte[]> raw = MainProcess.rawDigest(record.pid(), digestKey);
    if (raw.isEmpty()) return Optional.empty(); // gone meanwhile: the exit is seen elsewhere
    if (!settling && java.util.Arrays.equals(raw.get(), unchangedMain.get(id))) {
      return Optional.empty();
    }
    Optional<MainProcess.Observed> now = MainProcess.read(record.pid(), digestKey);
    if (now.isEmpty()) return Optional.empty();
    MainProcess.Expected expected =
        launchedEnv.computeIfAbsent(
            id,
            k ->
                MainProcess.Expected.of(
                    record.execEnv(), record.spec().secrets().keySet(), digestKey));
    if (settling) settledCommand.put(id, now.get());
    Optional<MainProcess.Finding> finding =
        MainProcess.compare(expected, Optional.ofNullable(settledCommand.get(id)), now.get());
    if (finding.isEmpty()) {
      unchangedMain.put(id, raw.get());
      if (mark != null) cleanMarks.put(id, mark);
    }
    return finding.map(
        f ->
            new Drift(id, Drift.Surface.ENV, f.subject(), f.evidence(), context.clock().instant()));
  }

  /** The records of the instances running now; empty if there is no instances directory yet. */
  private Optional<List<InstanceRecord>> runningRecords() {
    execMarks.clear();
    Path instances = context.instancesDir();
    String[] names = instances.toFile().list(); // names only: no path object per entry
    if (names == null) {
      if (!Files.isDirectory(instances)) return Optional.empty();
      throw new RuntimeDriverException("process runtime: cannot list " + instances);
    }
    List<InstanceRecord> out = new ArrayList<>();
    statRead.clear();
    for (String name : names) {
      try {
        InstanceRecord cached = this.records.get(name);
        Optional<InstanceRecord> record =
            cached != null
                ? Optional.of(cached)
                : ProcessDriver.readRecord(instances.resolve(name));
        record.ifPresent(r -> this.records.put(name, r));
        if (record.isPresent()) {
          // one read of the command's stat per scan: alive, and whether it exec'd since (the file
          // kept open and re-read: ProcFile)
          ProcFile file =
              statFiles.computeIfAbsent(
                  record.get().pid(), pid -> new ProcFile(Path.of("/proc/" + pid + "/stat"), 1024));
          statRead.add(record.get().pid());
          ProcStat.Snapshot stat = ProcStat.snapshot(file, statBuffer);
          if (stat.startTime() == record.get().pidStart()) {
            out.add(record.get());
            execMarks.put(record.get().id(), stat.execMark());
          }
        }
      } catch (RuntimeDriverException e) {
        // a record being written or removed meanwhile: seen on the next pass
      }
    }
    this.records.keySet().retainAll(java.util.Arrays.asList(names));
    statFiles
        .entrySet()
        .removeIf(
            e -> {
              if (statRead.contains(e.getKey())) return false;
              e.getValue().close();
              return true;
            });
    return Optional.of(out);
  }

  private boolean execRan(InstanceId id, Map<InstanceId, Long> before) {
    long then = before.getOrDefault(id, 0L);
    long now = Optional.ofNullable(execs.get(id)).map(a -> a.get()).orElse(0L);
    return then % 2 == 1 || now != then;
  }

  @Override
  public synchronized void close() {
    watcher.close();
    statFiles.values().forEach(ProcFile::close);
    statFiles.clear();
    netTables.close();
  }
}
