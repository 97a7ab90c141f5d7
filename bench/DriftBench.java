// Drift benchmark: detection latency per surface, AIDE's check of the same root, detector CPU with idle
// instances. Launched by bench/drift.sh (not a test: no asserts). Latency is the detector's own (driver
// polled every millisecond); the server asks once per 200 ms tick, which adds up to 200 ms.
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.Drift;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.*;

public class DriftBench {
  static final ImageContent IMAGE = TestImages.busybox().build();
  static int seq;

  public static void main(String[] args) throws Exception {
    int events = Integer.parseInt(args.length > 0 ? args[0] : "50");
    int idle = Integer.parseInt(args.length > 1 ? args[1] : "100");
    int cpuSeconds = Integer.parseInt(args.length > 2 ? args[2] : "60");
    Path home = Files.createTempDirectory("kiln-drift-bench-");
    System.out.printf("# kiln drift bench: %d events per surface, median / p99 ms%n", events);
    try (RuntimeDriver d =
        RuntimeDrivers.create(
            "process",
            new DriverContext(
                // root drift is written into the unpacked tree: roots are trees, not images
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of("root-image", "tree")))) {
      Path root = home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve("root");
      for (String surface : events == 0 ? List.<String>of() : List.of("write", "chmod", "symlink")) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < events; i++) {
          InstanceSpec spec = Instances.spec("r" + (seq++), IMAGE.manifestDigest()).build();
          d.start(spec); // a fresh root after the previous event's drift
          long t0 = System.nanoTime();
          switch (surface) {
            case "write" -> Files.writeString(root.resolve("www/planted-" + i), "x");
            case "chmod" ->
                Files.setPosixFilePermissions(root.resolve("www"), PosixFilePermissions.fromString("rwxrwxrwx"));
            default -> Files.createSymbolicLink(root.resolve("www/link-" + i), Path.of("/etc/passwd"));
          }
          ms.add(await(d, spec, Drift.Surface.ROOTFS, t0));
          d.destroy(spec.id());
        }
        report("rootfs (" + surface + ")", ms);
      }
      List<Double> ms = new ArrayList<>();
      for (int i = 0; i < events && events > 0; i++) {
        InstanceSpec spec = Instances.spec("p" + (seq++), IMAGE.manifestDigest()).build();
        long pid = d.start(spec).pid().orElseThrow();
        long t0 = System.nanoTime();
        Process p =
            new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-p", "-m", "--", "/bin/sleep", "60")
                .redirectErrorStream(true)
                .start();
        ms.add(await(d, spec, Drift.Surface.PROCESS, t0));
        p.destroyForcibly();
        d.destroy(spec.id());
      }
      if (events > 0) report("process (nsenter)", ms);

      // AIDE: one database of the same root, then one timed --check
      if (events > 0) aide(root, home);

      // detector CPU: idle instances, drift() every 200 ms like the executor, this JVM's CPU
      List<InstanceSpec> fleet = new ArrayList<>();
      for (int i = 0; i < idle; i++) {
        InstanceSpec s = Instances.spec("i" + (seq++), IMAGE.manifestDigest()).shell("exec sleep 3600").build();
        d.start(s);
        fleet.add(s);
      }
      // warm-up, not measured: the JIT compiles drift()'s code once, which is not the detector's
      // steady cost (a profile of an unwarmed run spends most of its samples in the C2 compiler)
      cpu(d, 15, true);
      double[] base = cpu(d, cpuSeconds, false);
      double[] with = cpu(d, cpuSeconds, true);
      System.out.printf(
          "detector CPU, %d idle instances, %d s: %.2f%% of one core (user %.2f%%, system %.2f%%; JVM %.2f%% with drift() every 200 ms, %.2f%% without)%n",
          idle, cpuSeconds, with[0] + with[1] - base[0] - base[1], with[0] - base[0], with[1] - base[1],
          with[0] + with[1], base[0] + base[1]);
      for (InstanceSpec s : fleet) d.destroy(s.id());
    }
  }

  static void aide(Path root, Path home) throws Exception {
    Path aide = home.resolve("aide");
      Files.createDirectories(aide);
    Path conf = aide.resolve("aide.conf");
    Files.writeString(
        conf,
        "database_in=file:" + aide.resolve("aide.db") + "\n"
            + "database_out=file:" + aide.resolve("aide.db.new") + "\n"
            + root + " p+i+n+u+g+s+m+c+sha256\n");
    run("aide", "--config=" + conf, "--init");
    Files.move(aide.resolve("aide.db.new"), aide.resolve("aide.db"));
    List<Double> checks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      run("aide", "--config=" + conf, "--check");
      checks.add((System.nanoTime() - t0) / 1e6);
    }
    long files;
    try (var walk = Files.walk(root)) {
      files = walk.count();
    }
    report("aide --check of the same root (" + files + " paths; 5 runs)", checks);

  }

  static double await(RuntimeDriver d, InstanceSpec spec, Drift.Surface surface, long t0) throws Exception {
    long deadline = t0 + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (Drift x : d.drift()) {
        if (x.instance().equals(spec.id()) && x.surface() == surface) return (System.nanoTime() - t0) / 1e6;
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException(surface + " drift of " + spec.id() + " not seen in 30 s");
  }

  /** This JVM's user and system CPU over the run, in % of one core. */
  static double[] cpu(RuntimeDriver d, int seconds, boolean poll) throws Exception {
    long[] c0 = cpuTicks();
    long t0 = System.nanoTime();
    long end = t0 + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      if (poll) d.drift();
      Thread.sleep(200);
    }
    long[] c1 = cpuTicks();
    double wall = (System.nanoTime() - t0) / 1e9;
    // USER_HZ: 100 ticks a second
    return new double[] {(c1[0] - c0[0]) / wall, (c1[1] - c0[1]) / wall};
  }

  static long[] cpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
  }

  static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    p.waitFor();
  }

  static void report(String what, List<Double> ms) {
    List<Double> s = new ArrayList<>(ms);
    Collections.sort(s);
    double median = s.get(s.size() / 2);
    double p99 = s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
    System.out.printf("%-50s %8.1f / %8.1f ms (n=%d)%n", what, median, p99, s.size());
  }
}
