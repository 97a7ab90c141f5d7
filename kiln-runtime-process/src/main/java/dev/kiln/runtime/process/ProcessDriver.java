package dev.kiln.runtime.process;

import dev.kiln.oci.Profile;
import dev.kiln.oci.Sandbox;
import dev.kiln.oci.Trees;
import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.Drift;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.Preflight;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.StopResult;
import dev.kiln.runtime.Termination;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The {@code process} runtime: instances as local processes, sandboxed by bubblewrap when present.
 */
public final class ProcessDriver implements RuntimeDriver {
  private static final Logger LOG = Logger.getLogger(ProcessDriver.class.getName());
  static final long DEFAULT_LOG_MAX_BYTES = 10L * 1024 * 1024;

  private final DriverContext context;
  private final Optional<Path> bwrap;
  private final RootfsCache rootfs;
  private final Accounting accounting;
  private final Processes processes;
  private final long logMaxBytes;
  private final Map<InstanceId, Process> children = new ConcurrentHashMap<>();
  private final ScheduledExecutorService rotator;
  private final Optional<Tenancy> tenancy;

  /** Option {@code root-image}: auto (default), erofs, squashfs or tree ({@link RootChoice}). */
  private final RootChoice rootChoice;

  private final ImageMount imageMount;

  /** Drift of the running instances: roots, processes, sockets, environment. */
  private final DriftScanner drift;

  public ProcessDriver(DriverContext context) {
    this.context = context;
    String sandbox = context.option("sandbox").orElse("auto");
    this.bwrap =
        switch (sandbox) {
          case "none" -> Optional.empty();
          case "bwrap" -> Optional.of(HostTools.require("bwrap", "bubblewrap"));
          case "auto" -> HostTools.find("bwrap");
          default ->
              throw new RuntimeDriverException(
                  "process runtime: option sandbox="
                      + sandbox
                      + " is not one of auto, bwrap, none");
        };
    if (bwrap.isEmpty()) {
      LOG.warning(
          "process runtime: bubblewrap (bwrap) is not used; instances run UNSANDBOXED: their root"
              + " filesystem is NOT enforced read-only and volumes are not mounted (apt-get install"
              + " bubblewrap)");
    }
    this.tenancy = bwrap.isPresent() ? tenancy(context) : Optional.empty();
    this.accounting = new Accounting(Cgroups.fromOptions(context));
    if (!accounting.enforces()) {
      LOG.warning(
          "process runtime: no writable cgroups (v1 or v2): resource limits cannot be enforced"
              + " and instances with resources: will not start (run Kiln as root)");
    }
    this.rootfs = new RootfsCache(context.home().resolve("rootfs"));
    String rootOption = context.option("root-image").orElse("auto");
    Path rootfsDir = context.home().resolve("rootfs");
    this.rootChoice =
        RootChoice.choose(
            rootOption, bwrap.isPresent(), kind -> ImageMount.whyNot(kind, rootfsDir));
    rootChoice.fallback().ifPresent(why -> LOG.warning("process runtime: roots are trees: " + why));
    this.imageMount =
        new ImageMount(
            rootChoice.kind(), !rootOption.equals("auto"), rootfsDir, context.instancesDir());
    this.drift = new DriftScanner(context, rootfs, imageMount);
    this.processes = new Processes(HostTools.require("setsid", "util-linux"));
    this.logMaxBytes =
        context.option("log-max-bytes").map(Long::parseLong).orElse(DEFAULT_LOG_MAX_BYTES);
    this.rotator =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kiln-process-logs").unstarted(r));
    rotator.scheduleWithFixedDelay(this::rotateLogs, 1, 1, TimeUnit.SECONDS);
    // inotify sees changes as they happen; this full re-read is the net for what it cannot see
    long verifyEvery = context.option("drift-verify-seconds").map(Long::parseLong).orElse(60L);
    rotator.scheduleWithFixedDelay(drift::verifyRoots, verifyEvery, verifyEvery, TimeUnit.SECONDS);
  }

  /**
   * Option isolation=auto (default) runs instances as tenants where the host allows it ({@link
   * Tenancy}); none runs them as root with dropped capabilities in the host's network. At start the
   * network slots of instances that are gone are reclaimed.
   */
  private static Optional<Tenancy> tenancy(DriverContext context) {
    String mode = context.option("isolation").orElse("auto");
    Optional<Tenancy> t =
        switch (mode) {
          case "none" -> Optional.empty();
          case "auto" -> Tenancy.open(context.home(), 2);
          default ->
              throw new RuntimeDriverException(
                  "process runtime: option isolation=" + mode + " is not one of auto, none");
        };
    t.ifPresent(
        tn -> {
          java.util.Set<NetworkSlot> live = new java.util.HashSet<>();
          Path instances = context.instancesDir();
          if (Files.isDirectory(instances)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(instances)) {
              for (Path dir : dirs)
                readRecord(dir).flatMap(InstanceRecord::slot).ifPresent(live::add);
            } catch (IOException | RuntimeDriverException e) {
              LOG.warning("process runtime: listing instances to reclaim networks: " + e);
              return; // keep every slot rather than release one a live instance uses
            }
          }
          tn.reclaim(live);
          LOG.info("process runtime: instances run as " + tn.mode());
        });
    return t;
  }

  @Override
  public String name() {
    return "process";
  }

  @Override
  public Capabilities capabilities() {
    boolean sandboxed = bwrap.isPresent();
    return new Capabilities(
        sandboxed ? Capabilities.Isolation.SANDBOX : Capabilities.Isolation.NONE,
        sandboxed,
        sandboxed,
        true,
        true,
        true,
        sandboxed,
        accounting.enforces());
  }

  @Override
  public InstanceStatus start(InstanceSpec spec) {
    Path dir = context.instanceDir(spec.id());
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + " already exists; destroy it first or use a new instance id");
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": cannot create " + dir + ": " + e, e);
    }
    Optional<Tenant> tenant = Optional.empty();
    try {
      // In a network of its own the instance's port cannot clash with the host's.
      if (!tenancy.map(Tenancy::ownNetworks).orElse(false)) Preflight.requirePortFree(spec);
      ImageContent image = openImage(spec);
      Path tree = rootfs.ensure(image);
      // the tree's read-only filesystem image on a loop device, where possible (root-image)
      Path root = imageMount.acquire(tree, spec.id().value());
      drift.watch(root);
      Launch launch = Launch.plan(spec, image.runConfig(), root);
      Map<String, Path> mounts = volumes(spec, root);
      Instant startedAt = context.clock().instant();
      List<Path> cgroup = accounting.prepare(spec);
      tenant = tenancy.map(t -> t.enter(spec, root, mounts.values()));
      Processes.Started started =
          bwrap.isPresent()
              ? processes.startSandboxed(
                  new Sandbox(
                      bwrap.get(),
                      Profile.INSTANCE,
                      root,
                      mounts,
                      launch.workdir(),
                      spec.id().value()),
                  launch,
                  dir,
                  cgroup,
                  tenant,
                  tenancy.map(Tenancy::seccomp).orElse(null))
              : processes.startUnsandboxed(root, launch, dir, cgroup);
      children.put(spec.id(), started.process());
      drift.launched(spec.id(), launch.env());
      InstanceRecord record =
          InstanceRecord.of(spec, launch, bwrap.isPresent(), root, started, startedAt, tenant);
      record.write(dir.resolve("instance.json"));
      return status(record, dir);
    } catch (RuntimeException | IOException e) {
      Process child = children.remove(spec.id());
      if (child != null) processes.killTree(child);
      imageMount.release(spec.id().value(), null);
      accounting.discard(spec.id().value());
      Optional<NetworkSlot> slot = tenant.flatMap(Tenant::slot);
      tenancy.ifPresent(t -> t.release(slot));
      Trees.deleteQuietly(dir);
      if (e instanceof RuntimeDriverException rde) throw rde;
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": start failed: " + e.getMessage(), e);
    }
  }

  private ImageContent openImage(InstanceSpec spec) {
    try {
      return context.images().open(spec.image());
    } catch (RuntimeDriverException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": image " + spec.image() + " refused: " + e.getMessage(), e);
    }
  }

  /** Volume mount path → host directory, created if new; mount points must exist in the image. */
  private Map<String, Path> volumes(InstanceSpec spec, Path root) throws IOException {
    Map<String, Path> mounts = new LinkedHashMap<>();
    if (bwrap.isEmpty()) return mounts;
    for (var volume : spec.volumes().entrySet()) {
      if (!RootPath.isDirectory(root, volume.getValue())) {
        throw new RuntimeDriverException(
            "instance "
                + spec.id()
                + ": volume "
                + volume.getKey()
                + " mounts at "
                + volume.getValue()
                + ", which is not a directory in image "
                + spec.image()
                + " (the root is read-only: create the directory in the image)");
      }
      Path host = context.volumeDir(spec.service(), volume.getKey());
      Files.createDirectories(host);
      mounts.put(volume.getValue(), host);
    }
    return mounts;
  }

  @Override
  public Optional<InstanceStatus> inspect(InstanceId id) {
    Path dir = context.instanceDir(id);
    return readRecord(dir).map(record -> status(record, dir));
  }

  @Override
  public StopResult stop(InstanceId id, Duration grace) {
    Path dir = context.instanceDir(id);
    InstanceRecord record = readRecord(dir).orElseThrow(() -> unknown(id));
    if (!running(record)) return new StopResult(id, false, false, exitCode(record, dir));
    processes.signal(record, false);
    long deadline = System.nanoTime() + grace.toNanos();
    while (running(record) && System.nanoTime() < deadline) Processes.pause();
    boolean killed = false;
    if (running(record)) {
      processes.signal(record, true);
      killed = true;
      while (running(record)) Processes.pause();
    }
    awaitSupervisor(record);
    imageMount.release(id.value(), Path.of(record.rootfs()));
    accounting.ended(id.value(), dir); // keeps its counters and removes its cgroup
    return new StopResult(id, !killed, killed, exitCode(record, dir));
  }

  @Override
  public void destroy(InstanceId id) {
    Path dir = context.instanceDir(id);
    Optional<InstanceRecord> record = readRecord(dir);
    if (record.isPresent() && running(record.get())) stop(id, Duration.ZERO);
    children.remove(id);
    drift.forget(id);
    if (record.isPresent()) accounting.ended(id.value(), dir); // removes its cgroup
    imageMount.release(id.value(), record.map(r -> Path.of(r.rootfs())).orElse(null));
    accounting.discard(id.value());
    tenancy.ifPresent(t -> t.release(record.flatMap(InstanceRecord::slot)));
    try {
      Trees.delete(dir);
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "instance " + id + ": could not delete " + dir + ": " + e, e);
    }
  }

  @Override
  public List<InstanceStatus> list() {
    List<InstanceStatus> all = new ArrayList<>();
    Path instances = context.instancesDir();
    if (!Files.isDirectory(instances)) return all;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(instances)) {
      for (Path dir : dirs) readRecord(dir).ifPresent(record -> all.add(status(record, dir)));
    } catch (IOException e) {
      throw new RuntimeDriverException("process runtime: cannot list " + instances + ": " + e, e);
    }
    all.sort((a, b) -> a.id().compareTo(b.id()));
    return all;
  }

  @Override
  public String logs(InstanceId id, int maxBytes) {
    Path dir = context.instanceDir(id);
    if (readRecord(dir).isEmpty()) throw unknown(id);
    try {
      return new LogFile(dir.resolve("log"), logMaxBytes).tail(maxBytes);
    } catch (IOException e) {
      throw new RuntimeDriverException("instance " + id + ": cannot read its log: " + e, e);
    }
  }

  @Override
  public ExecResult exec(InstanceId id, List<String> command, Duration timeout) {
    Path dir = context.instanceDir(id);
    InstanceRecord record = readRecord(dir).orElseThrow(() -> unknown(id));
    if (bwrap.isEmpty() || !record.sandboxed())
      return RuntimeDriver.super.exec(id, command, timeout);
    if (!running(record)) return new ExecResult(125, "instance " + id + " is not running");
    Map<String, Path> mounts = new LinkedHashMap<>();
    record
        .volumes()
        .forEach(
            (name, mountPath) -> mounts.put(mountPath, context.volumeDir(record.service(), name)));
    Sandbox sandbox =
        new Sandbox(
            bwrap.get(),
            Profile.INSTANCE,
            Path.of(record.rootfs()),
            mounts,
            record.workdir(),
            id.value());
    drift.execStarts(id);
    try {
      return processes.exec(sandbox, record, command, timeout);
    } finally {
      drift.execEnds(id);
    }
  }

  /**
   * Root filesystem drift (the shared root's watcher: a change marks every instance running from
   * it, and the root is distrusted so the next start builds a fresh one), process, socket and
   * environment drift ({@link DriftScanner}). Sticky per instance.
   */
  @Override
  public List<Drift> drift() {
    return drift.drift();
  }

  @Override
  public void close() {
    rotator.shutdownNow();
    tenancy.ifPresent(Tenancy::close);
    drift.close();
    imageMount.close();
    accounting.close();
  }

  private InstanceStatus status(InstanceRecord record, Path dir) {
    boolean running = running(record);
    if (!running) awaitSupervisor(record);
    Optional<Usage> usage =
        running ? accounting.running(record.id()) : accounting.ended(record.id(), dir);
    return new InstanceStatus(
        record.spec(),
        running ? InstanceStatus.State.RUNNING : InstanceStatus.State.EXITED,
        Instant.parse(record.startedAt()),
        running ? OptionalInt.empty() : exitCode(record, dir),
        Optional.of(isolation(record, rootChoice.fallback())),
        running
            ? Optional.empty()
            : usage.flatMap(u -> Termination.of(u.oomKills(), u.pidsRefused())),
        usage,
        running ? java.util.OptionalLong.of(record.pid()) : java.util.OptionalLong.empty(),
        record.slot().map(NetworkSlot::instanceAddress));
  }

  /** Which isolation this instance runs under, as {@code kiln status} shows it. */
  private static String isolation(InstanceRecord record, Optional<String> treeBecause) {
    if (!record.sandboxed()) return "unsandboxed";
    RootKind root = RootKind.ofRoot(record.rootfs());
    return isolationOnly(record)
        + ", "
        + root.status
        + (root == RootKind.TREE ? treeBecause.map(w -> " because " + w).orElse("") : "");
  }

  private static String isolationOnly(InstanceRecord record) {
    if (record.tenantUid() == 0)
      return "sandboxed (bubblewrap), root with dropped capabilities, host network";
    return "sandboxed (bubblewrap), tenant uid "
        + record.tenantUid()
        + ", seccomp, "
        + record
            .slot()
            .map(s -> "network " + s.namespace() + " at " + s.instanceAddress())
            .orElse("HOST network");
  }

  static boolean running(InstanceRecord record) {
    return ProcStat.alive(record.pid(), record.pidStart());
  }

  /** bwrap writes the exit code just after its child dies; give it a moment to do so. */
  private static void awaitSupervisor(InstanceRecord record) {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (ProcStat.alive(record.supervisorPid(), record.supervisorStart())
        && System.nanoTime() < deadline) {
      Processes.pause();
    }
  }

  private OptionalInt exitCode(InstanceRecord record, Path dir) {
    Process child = children.get(InstanceId.of(record.id()));
    if (child != null) {
      try {
        if (child.waitFor(2, TimeUnit.SECONDS)) return OptionalInt.of(child.exitValue());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return record.sandboxed() ? Processes.recordedExitCode(dir) : OptionalInt.empty();
  }

  static Optional<InstanceRecord> readRecord(Path dir) {
    Path file = dir.resolve("instance.json");
    if (!Files.isRegularFile(file)) return Optional.empty();
    try {
      return Optional.of(InstanceRecord.read(file));
    } catch (IOException e) {
      throw new RuntimeDriverException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Bounds every instance's log; cheap (a size check per instance) so it runs every second. */
  private void rotateLogs() {
    LogFile.rotateAll(context.instancesDir(), logMaxBytes);
  }

  private static RuntimeDriverException unknown(InstanceId id) {
    return new RuntimeDriverException("no instance " + id + " in the process runtime");
  }
}
