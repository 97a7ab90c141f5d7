import dev.kiln.model.Route;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.router.Backend;
import dev.kiln.router.RouteTable;
import dev.kiln.router.Router;
import dev.kiln.router.RouterConfig;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.Split;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Router → instance cost of instance isolation (measurements, not tests): one busybox httpd instance
 * per mode — a tenant (own network namespace behind a veth, DNAT to its 127.0.0.1, own uid, seccomp)
 * and isolation=none (root with dropped capabilities, host loopback) — each behind Kiln's router, and
 * wrk through the router, alternating the modes ROUNDS times in the same run.
 */
public class IsolationBench {
  static final ImageContent IMAGE = TestImages.busybox().build();

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args.length > 0 ? args[0] : "3");
    String duration = args.length > 1 ? args[1] : "10s";
    int conns = Integer.parseInt(args.length > 2 ? args[2] : "16");
    Path home = Files.createTempDirectory("kiln-iso-bench-");
    var source = new InMemoryImageSource().add(IMAGE);
    try (RuntimeDriver tenant = driver(home.resolve("tenant"), source, Map.of("sandbox", "bwrap"));
        RuntimeDriver shared =
            driver(home.resolve("shared"), source, Map.of("sandbox", "bwrap", "isolation", "none"))) {
      Router on = behindRouter(tenant, "on");
      Router off = behindRouter(shared, "off");
      System.out.printf(
          "# router -> instance, wrk -t2 -c%d -d%s, %d alternating rounds; req/s and p99%n",
          conns, duration, rounds);
      for (int i = 0; i < rounds; i++) {
        wrk("isolation on ", on, conns, duration);
        wrk("isolation off", off, conns, duration);
      }
      on.close();
      off.close();
      tenant.list().forEach(s -> tenant.destroy(s.id()));
      shared.list().forEach(s -> shared.destroy(s.id()));
    } finally {
      new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
    }
  }

  static RuntimeDriver driver(Path home, InMemoryImageSource source, Map<String, String> options) {
    return RuntimeDrivers.create("process", new DriverContext(home, Clock.systemUTC(), source, options));
  }

  static Router behindRouter(RuntimeDriver driver, String name) throws Exception {
    InstanceSpec spec = Instances.spec("iso-" + name, IMAGE.manifestDigest()).port(Instances.freePort()).build();
    InstanceStatus s = driver.start(spec);
    System.out.printf("# %s: %s, at %s:%d%n", name, s.detail().orElse("?"), s.address(), spec.port());
    awaitPort(s.address(), spec.port());
    int port = Instances.freePort();
    var backend = new Backend(spec.id().value(), "1", new InetSocketAddress(s.address(), spec.port()), 1);
    var route = new ServiceRoute("web", new Route("*", "/"), List.of(backend), Split.perRequest());
    return Router.start(
        RouterConfig.builder().listen("127.0.0.1", port).build(), new RouteTable(1, List.of(route)));
  }

  static void wrk(String label, Router router, int conns, String duration) throws Exception {
    InetSocketAddress a = router.addresses().getFirst();
    Process p =
        new ProcessBuilder(
                "wrk", "-t2", "-c" + conns, "-d" + duration, "--latency",
                "http://127.0.0.1:" + a.getPort() + "/index.html")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    System.out.printf(
        "%s  %10s req/s  p99 %8s  non-2xx/errors: %s%n",
        label, find(out, "Requests/sec:\\s+(\\S+)"), find(out, "99%\\s+(\\S+)"),
        find(out, "(Non-2xx or 3xx responses: \\d+|Socket errors: [^\\n]+)", "0"));
  }

  static String find(String text, String regex) {
    return find(text, regex, "?");
  }

  static String find(String text, String regex, String otherwise) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : otherwise;
  }

  static void awaitPort(String host, int port) throws Exception {
    for (int i = 0; i < 6000; i++) {
      try (Socket s = new Socket(host, port)) {
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(10);
      }
    }
    throw new IllegalStateException("nothing listens on " + host + ":" + port);
  }
}
