// Root-image benchmark: instance start (start() until it answers HTTP) with the image's root as the
// directory tree, an erofs image and a squashfs image on a loop device, in the same run. "warm": another
// instance of the image runs meanwhile (a rolling replacement), so its mount is shared; "cold": the last
// instance of the image was stopped, so the start re-hashes the image file and mounts it again.
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
  static int seq;

  public static void main(String[] args) throws Exception {
    int starts = Integer.parseInt(args.length > 0 ? args[0] : "30");
    System.out.printf("# kiln root-image bench: %d starts each, median / p99 ms%n", starts);
    Map<String, Double> warm = new LinkedHashMap<>();
    Map<String, Double> cold = new LinkedHashMap<>();
    for (String mode : List.of("tree", "erofs", "squashfs")) {
      Path home = Files.createTempDirectory("kiln-rootimage-bench-");
      try (RuntimeDriver d =
          RuntimeDrivers.create(
              "process",
              new DriverContext(
                  home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of("root-image", mode)))) {
        long t0 = System.nanoTime();
        InstanceSpec holder = Instances.spec("h" + (seq++), IMAGE.manifestDigest()).build();
        String detail = d.start(holder).detail().orElse("");
        System.out.printf("%-8s first start (unpack%s): %.1f ms; %s%n", mode,
            mode.equals("tree") ? "" : ", build the image, hash, mount", (System.nanoTime() - t0) / 1e6,
            detail.substring(detail.indexOf("root:")));
        warm.put(mode, report(mode + " start until serving, warm", loop(d, starts)));
        d.destroy(holder.id()); // the last instance: the image is unmounted
        cold.put(mode, report(mode + " start until serving, cold", loop(d, starts)));
      } finally {
        for (String mnt : List.of("mnt", "mnt-squashfs")) {
          Path p = home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve(mnt);
          new ProcessBuilder("umount", p.toString())
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
      }
    }
    for (String mode : List.of("erofs", "squashfs")) {
      System.out.printf("%s / tree start time (median): warm %.2fx, cold %.2fx%n", mode,
          warm.get(mode) / warm.get("tree"), cold.get(mode) / cold.get("tree"));
    }
  }

  static List<Double> loop(RuntimeDriver d, int starts) {
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < starts; i++) {
      InstanceSpec spec = Instances.spec("s" + (seq++), IMAGE.manifestDigest()).build();
      long s0 = System.nanoTime();
      var status = d.start(spec);
      Await.httpGet(status.address(), spec.port(), "/index.html");
      ms.add((System.nanoTime() - s0) / 1e6);
      d.destroy(spec.id());
    }
    return ms;
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
