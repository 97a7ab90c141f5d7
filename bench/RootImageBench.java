// Root-image benchmark: instance start (start() until it answers HTTP) with root-image=erofs against the
// directory tree, in the same run. Launched by bench/rootimage.sh (not a test: no asserts).
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
    Map<String, Double> medians = new LinkedHashMap<>();
    for (String mode : List.of("tree", "erofs")) {
      Path home = Files.createTempDirectory("kiln-rootimage-bench-");
      try (RuntimeDriver d =
          RuntimeDrivers.create(
              "process",
              new DriverContext(
                  home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of("root-image", mode)))) {
        long t0 = System.nanoTime();
        InstanceSpec first = Instances.spec("f" + (seq++), IMAGE.manifestDigest()).build();
        String detail = d.start(first).detail().orElse("");
        System.out.printf("%-6s first start (unpack%s): %.1f ms; %s%n", mode,
            mode.equals("erofs") ? ", mkfs.erofs, hash, mount" : "", (System.nanoTime() - t0) / 1e6,
            detail.substring(detail.indexOf("root:")));
        d.destroy(first.id());
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < starts; i++) {
          InstanceSpec spec = Instances.spec("s" + (seq++), IMAGE.manifestDigest()).build();
          long s0 = System.nanoTime();
          var status = d.start(spec);
          Await.httpGet(status.address(), spec.port(), "/index.html");
          ms.add((System.nanoTime() - s0) / 1e6);
          d.destroy(spec.id());
        }
        medians.put(mode, report(mode + " start until serving", ms));
      } finally {
        new ProcessBuilder("umount", home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve("mnt").toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      }
    }
    System.out.printf("erofs / tree start time (median): %.2fx%n", medians.get("erofs") / medians.get("tree"));
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
