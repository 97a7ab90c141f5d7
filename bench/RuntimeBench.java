// Runtime benchmark: start-to-healthy latency and supervision memory of Kiln's runtimes beside a bare
// process and `docker run`, all in the same run. Launched by bench/runtime.sh (not a test: no asserts).
import dev.kiln.model.Resources;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Clock;
import java.util.*;
import java.util.concurrent.*;

public class RuntimeBench {
  static final String SERVE = "exec httpd -f -p \"$PORT\" -h www";
  static final ImageContent IMAGE = TestImages.busybox().build();
  static final InMemoryImageSource SOURCE = new InMemoryImageSource().add(IMAGE);
  static final Map<String, Double> results = new LinkedHashMap<>();
  static int runs;
  static int seq;

  public static void main(String[] args) throws Exception {
    runs = Integer.parseInt(args.length > 0 ? args[0] : "20");
    int fleet = Integer.parseInt(args.length > 1 ? args[1] : "50");
    int memFleet = Integer.parseInt(args.length > 2 ? args[2] : "100");
    boolean docker = args.length <= 3 || !args[3].equals("nodocker");
    Path home = Files.createTempDirectory("kiln-bench-");
    System.out.printf("# kiln runtime bench: %d runs each, median (p90) ms; image %s%n", runs, IMAGE.manifestDigest().shortHex());
    try (RuntimeDriver sandboxed = driver("process", home.resolve("sb"), Map.of("sandbox", "bwrap"));
        RuntimeDriver noCgroup =
            driver("process", home.resolve("sb"), Map.of("sandbox", "bwrap", "cgroups", "none"));
        RuntimeDriver plain = driver("process", home.resolve("plain"), Map.of("sandbox", "none"));
        RuntimeDriver shared =
            driver("process", home.resolve("shared"), Map.of("sandbox", "bwrap", "isolation", "none"));
        RuntimeDriver dock = docker ? driver("docker", home.resolve("docker"), Map.of()) : null) {
      // warm-up: unpack/load the image once per runtime, report that separately
      timeOnce("process cold (unpack rootfs + start)", sandboxed);
      timeOnce("docker cold (load image + start)", dock);
      timeOnce("process unsandboxed cold", plain);
      timeOnce("process isolation=none cold", shared);

      Path bareRoot = home.resolve("sb/rootfs").resolve(IMAGE.manifestDigest().hex()).resolve("root");
      // interleaved (one trial of each per round) so that load from elsewhere hits all alike
      Map<String, Trial> trials = new LinkedHashMap<>();
      trials.put("bare busybox httpd (no Kiln)", () -> bare(bareRoot));
      trials.put("process sandboxed, no cgroup", () -> viaDriver(noCgroup));
      trials.put("process sandboxed (bwrap)", () -> viaDriver(sandboxed));
      trials.put("process sandboxed + limits", () -> viaDriver(sandboxed, LIMITS));
      // the tenant chain (netns from the pool, setpriv, user namespace, seccomp) vs host network as root
      trials.put("process sandboxed, isolation=none", () -> viaDriver(shared));
      trials.put("process unsandboxed", () -> viaDriver(plain));
      if (dock != null) {
        trials.put("docker driver", () -> viaDriver(dock));
        trials.put("docker driver + limits", () -> viaDriver(dock, LIMITS));
        trials.put("docker run CLI (same image)", RuntimeBench::dockerRun);
      }
      Map<String, double[]> times = new LinkedHashMap<>();
      trials.keySet().forEach(k -> times.put(k, new double[runs]));
      for (int i = 0; i < runs; i++) {
        for (var t : trials.entrySet()) times.get(t.getKey())[i] = t.getValue().run();
      }
      times.forEach(RuntimeBench::report);
      System.out.println();
      fleet("process sandboxed", sandboxed, fleet);
      if (dock != null) fleet("docker driver", dock, fleet);
      System.out.println();
      memory(sandboxed, memFleet, bareRoot);
      if (dock != null) dockerMemory(dock, memFleet);
      ratios();
    } finally {
      new ProcessBuilder("rm", "-rf", home.toString()).inheritIO().start().waitFor();
    }
  }

  static RuntimeDriver driver(String name, Path home, Map<String, String> options) {
    return RuntimeDrivers.create(name, new DriverContext(home, Clock.systemUTC(), SOURCE, options));
  }

  interface Trial { double run() throws Exception; }

  static void timeOnce(String label, RuntimeDriver driver) throws Exception {
    if (driver == null) return;
    System.out.printf("%-36s %8.1f ms%n", label, viaDriver(driver));
  }

  static void report(String label, double[] ms) {
    Arrays.sort(ms);
    double median = ms[runs / 2], p90 = ms[Math.min(runs - 1, (int) Math.ceil(runs * 0.9) - 1)];
    results.put(label, median);
    System.out.printf("%-36s %8.1f ms  (p90 %.1f, min %.1f)%n", label, median, p90, ms[0]);
  }

  static final Set<Integer> usedPorts = ConcurrentHashMap.newKeySet();

  /** A free loopback port never handed out before in this run (specs are made before they bind). */
  static int port() {
    while (true) {
      int port = Instances.freePort();
      if (usedPorts.add(port)) return port;
    }
  }

  /** What a typical service declares: resources: { memory: 256Mi, cpu: 1, pids: 128 }. */
  static final Resources LIMITS = new Resources(256L << 20, 1000, 128);

  static synchronized InstanceSpec spec() {
    return spec(Resources.UNLIMITED);
  }

  static synchronized InstanceSpec spec(Resources limits) {
    return Instances.spec("bench-" + ProcessHandle.current().pid() + "-" + (++seq), IMAGE.manifestDigest())
        .port(port()).shell(SERVE).limits(limits).build();
  }

  static double viaDriver(RuntimeDriver driver) throws Exception {
    return viaDriver(driver, Resources.UNLIMITED);
  }

  static double viaDriver(RuntimeDriver driver, Resources limits) throws Exception {
    InstanceSpec spec = spec(limits);
    long t0 = System.nanoTime();
    awaitOk(driver.start(spec).address(), spec.port());
    double ms = (System.nanoTime() - t0) / 1e6;
    driver.destroy(spec.id());
    return ms;
  }

  static double bare(Path root) throws Exception {
    int port = port();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(root + "/bin/busybox", "httpd", "-f", "-p", "" + port, "-h", "www")
        .directory(root.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    awaitOk(port);
    double ms = (System.nanoTime() - t0) / 1e6;
    p.destroyForcibly().waitFor();
    return ms;
  }

  static double dockerRun() throws Exception {
    int port = port();
    String name = "kiln-bench-run-" + (++seq);
    long t0 = System.nanoTime();
    run("docker", "run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
        "-e", "PORT=" + port, "--entrypoint", "/bin/sh", "kiln/image:" + IMAGE.manifestDigest().hex(), "-c", SERVE);
    awaitOk(port);
    double ms = (System.nanoTime() - t0) / 1e6;
    run("docker", "rm", "-f", name);
    return ms;
  }

  static void fleet(String label, RuntimeDriver driver, int n) throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) specs.add(spec());
    long t0 = System.nanoTime();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> all = new ArrayList<>();
      for (InstanceSpec s : specs) all.add(pool.submit(() -> { awaitOk(driver.start(s).address(), s.port()); return null; }));
      for (Future<?> f : all) f.get();
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    results.put(label + " x" + n, ms);
    System.out.printf("%-36s %8.1f ms for %d instances started at once (%.1f ms/instance)%n", label + " fleet", ms, n, ms / n);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (InstanceSpec s : specs) pool.submit(() -> driver.destroy(s.id()));
    }
  }

  static long heapUsed() {
    for (int i = 0; i < 3; i++) System.gc();
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  static void memory(RuntimeDriver driver, int n, Path root) throws Exception {
    long heapBefore = heapUsed();
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) { InstanceSpec s = spec(); specs.add(s); awaitOk(driver.start(s).address(), s.port()); }
    driver.list();
    long heapAfter = heapUsed();
    System.out.printf("process sandboxed, %d instances: Kiln JVM heap %.1f KiB per instance (after GC)%n",
        n, (heapAfter - heapBefore) / 1024.0 / n);
    long supRss = 0, supPss = 0, appRss = 0, appPss = 0;
    // supervisors = the outer bwrap monitors (children-less parents of our sandboxes), apps = httpd
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      String line = cmdline(h.pid());
      if (line.contains("bwrap ") && line.contains("--json-status-fd") && line.contains("kiln-bench-")) {
        supRss += mem(h.pid(), "Rss"); supPss += mem(h.pid(), "Pss");
      } else if (line.startsWith("httpd -f -p") && h.parent().map(p -> cmdline(p.pid()).contains("kiln-bench-")).orElse(false)) {
        appRss += mem(h.pid(), "Rss"); appPss += mem(h.pid(), "Pss");
      }
    }
    System.out.printf("process sandboxed, %d instances: supervisor (setsid sh + bwrap monitor) RSS %.0f KiB, PSS %.0f KiB per instance;"
        + " the app itself (httpd) RSS %.0f KiB, PSS %.0f KiB%n", n, supRss / (double) n, supPss / (double) n, appRss / (double) n, appPss / (double) n);
    results.put("process supervisor PSS KiB/instance", supPss / (double) n);
    // a bare httpd for reference
    int port = port();
    Process p = new ProcessBuilder(root + "/bin/busybox", "httpd", "-f", "-p", "" + port, "-h", "www").directory(root.toFile()).start();
    awaitOk(port);
    System.out.printf("bare busybox httpd: RSS %d KiB, PSS %d KiB%n", mem(p.pid(), "Rss"), mem(p.pid(), "Pss"));
    p.destroyForcibly().waitFor();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (InstanceSpec s : specs) pool.submit(() -> driver.destroy(s.id()));
    }
  }

  static void dockerMemory(RuntimeDriver driver, int n) throws Exception {
    long before = shimPss();
    List<InstanceSpec> specs = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) { InstanceSpec s = spec(); specs.add(s); all.add(pool.submit(() -> { awaitOk(driver.start(s).address(), s.port()); return null; })); }
      for (Future<?> f : all) f.get();
    }
    long after = shimPss();
    System.out.printf("docker, %d instances: containerd-shim PSS %.0f KiB per instance (dockerd/containerd growth not counted)%n",
        n, (after - before) / (double) n);
    results.put("docker shim PSS KiB/instance", (after - before) / (double) n);
    try (var pool = Executors.newFixedThreadPool(8)) {
      for (InstanceSpec s : specs) pool.submit(() -> driver.destroy(s.id()));
    }
  }

  static long shimPss() {
    long sum = 0;
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      if (h.info().command().orElse("").contains("containerd-shim")) sum += mem(h.pid(), "Pss");
    }
    return sum;
  }

  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  static long mem(long pid, String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
        if (l.startsWith(field + ":")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    } catch (IOException e) { /* gone */ }
    return 0;
  }

  static void ratios() {
    Double bare = results.get("bare busybox httpd (no Kiln)");
    Double dockerRun = results.get("docker run CLI (same image)");
    System.out.println();
    System.out.println("# start-to-healthy, ratio to bare start" + (dockerRun != null ? " and to docker run" : ""));
    for (String k : List.of("process sandboxed, no cgroup", "process sandboxed (bwrap)", "process sandboxed + limits", "process unsandboxed", "docker driver", "docker driver + limits", "docker run CLI (same image)")) {
      Double v = results.get(k);
      if (v == null) continue;
      System.out.printf("%-36s x%.2f bare%s%n", k, v / bare, dockerRun != null ? String.format("   x%.2f docker run", v / dockerRun) : "");
    }
    Double none = results.get("process sandboxed, no cgroup");
    Double cgroup = results.get("process sandboxed (bwrap)");
    Double limited = results.get("process sandboxed + limits");
    if (none != null && cgroup != null && limited != null) {
      System.out.printf("# cgroup setup, median start-to-healthy: +%.1f ms (cgroup), +%.1f ms (cgroup + limits)%n", cgroup - none, limited - none);
    }
  }

  static void awaitOk(int port) throws Exception {
    awaitOk("127.0.0.1", port);
  }

  /** First HTTP 200 from {@code host:port} (a tenant instance is reached at its own address). */
  static void awaitOk(String host, int port) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getByName(host), port), 1000);
        s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String status = new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();
        if (status != null && status.contains(" 200")) return;
      } catch (IOException e) { /* not yet */ }
      Thread.sleep(1);
    }
    throw new IllegalStateException("no HTTP 200 on port " + port);
  }

  static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", argv) + " failed");
  }
}
