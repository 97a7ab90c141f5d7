// Root-image benchmark: instance start (start() until it answers HTTP) with the image's root as the
// directory tree, an erofs image and a squashfs image on a loop device, in the same run. "warm": another
// instance of the image runs meanwhile (a rolling replacement), so its mount is shared; "cold": the last
// instance of the image was stopped, so the start re-hashes the image file and mounts it again. The three
// drivers take turns, start by start.
// Launched by bench/rootimage.sh (not a test: no asserts).
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.*;
import java.time.Clock;
import java.util.*;

public class RootImageBench {
  static final ImageContent IMAGE = TestImages.busybox().build();
  static final List<String> MODES = List.of("tree", "erofs", "squashfs");
  static int seq;

  // The modes take turns start by start (not one after the other), so that a machine whose load changes
  // during the run (other builds) weighs on each of them alike: the ratios are the figures to quote.
  public static void main(String[] args) throws Exception {
    int starts = Integer.parseInt(args.length > 0 ? args[0] : "30");
    System.out.printf("# kiln root-image bench: %d starts each, interleaved, median / p99 ms%n", starts);
    Map<String, RuntimeDriver> drivers = new LinkedHashMap<>();
    Map<String, Path> homes = new LinkedHashMap<>();
    Map<String, InstanceSpec> holders = new LinkedHashMap<>();
    try {
      for (String mode : MODES) {
        Path home = Files.createTempDirectory("kiln-rootimage-bench-");
        homes.put(mode, home);
        RuntimeDriver d = RuntimeDrivers.create("process",
            new DriverContext(home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of("root-image", mode)));
        drivers.put(mode, d);
        long t0 = System.nanoTime();
        InstanceSpec holder = Instances.spec("h" + (seq++), IMAGE.manifestDigest()).build();
        String detail = d.start(holder).detail().orElse("");
        holders.put(mode, holder);
        System.out.printf("%-8s first start (unpack%s): %.1f ms; %s%n", mode,
            mode.equals("tree") ? "" : ", build the image, hash, mount", (System.nanoTime() - t0) / 1e6,
            detail.substring(detail.indexOf("root:")));
      }
      Map<String, Double> warm = phase("warm", drivers, starts);
      holders.forEach((mode, h) -> drivers.get(mode).destroy(h.id())); // the last instance: unmounted
      Map<String, Double> cold = phase("cold", drivers, starts);
      for (String mode : List.of("erofs", "squashfs")) {
        System.out.printf("%s / tree start time (median): warm %.2fx, cold %.2fx%n", mode,
            warm.get(mode) / warm.get("tree"), cold.get(mode) / cold.get("tree"));
      }
    } finally {
      for (RuntimeDriver d : drivers.values()) d.close();
      for (Path home : homes.values()) {
        for (String mnt : List.of("mnt", "mnt-squashfs")) {
          Path p = home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve(mnt);
          new ProcessBuilder("umount", p.toString())
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
      }
    }
  }

  static Map<String, Double> phase(String name, Map<String, RuntimeDriver> drivers, int starts) {
    Map<String, List<Double>> ms = new LinkedHashMap<>();
    for (int i = 0; i < starts; i++) {
      for (var e : drivers.entrySet()) {
        RuntimeDriver d = e.getValue();
        InstanceSpec spec = Instances.spec("s" + (seq++), IMAGE.manifestDigest()).build();
        long s0 = System.nanoTime();
        var status = d.start(spec);
        Await.httpGet(status.address(), spec.port(), "/index.html");
        ms.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - s0) / 1e6);
        d.destroy(spec.id());
      }
    }
    Map<String, Double> medians = new LinkedHashMap<>();
    ms.forEach((mode, l) -> medians.put(mode, report(mode + " start until serving, " + name, l)));
    return medians;
  }

  static double report(String what, List<Double> ms) {
    List<Double> s = new ArrayList<>(ms);
    Collections.sort(s);
    double median = s.get(s.size() / 2);
    double p99 = s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
    System.out.printf("%-40s %8.1f / %8.1f ms (n=%d)%n", what, median, p99, s.size());
    return median;
  }
}
