package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.model.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A router with {@code pinLoops} keeps each event loop on a core of its own, as the kernel reports
 * it in /proc (real threads, real taskset), and serves as before; without it, the loops may run
 * anywhere.
 */
class RouterAffinityIT {
  @Test
  void eachEventLoopRunsOnACoreOfItsOwn() throws Exception {
    List<Integer> allowed = LoopAffinity.allowedCores();
    assumeTrue(allowed.size() >= 2, "needs a process allowed on 2 cores or more");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "needs util-linux's taskset");
    try (var backend = TestBackend.start("pinned");
        var router = start(true, backend)) {
      assertThat(router.pinnedCores()).containsExactly(allowed.get(0), allowed.get(1));
      Map<String, String> loops = loopCores(router);
      assertThat(loops).hasSize(2);
      assertThat(loops.values())
          .containsExactlyInAnyOrder(
              String.valueOf(allowed.get(0)), String.valueOf(allowed.get(1)));
      assertThat(get(router)).startsWith("pinned");
    }
  }

  @Test
  void unpinnedLoopsKeepTheProcessesCores() throws Exception {
    List<Integer> allowed = LoopAffinity.allowedCores();
    assumeTrue(allowed.size() >= 2, "needs a process allowed on 2 cores or more");
    try (var backend = TestBackend.start("free");
        var router = start(false, backend)) {
      assertThat(router.pinnedCores()).isEmpty();
      assertThat(get(router)).startsWith("free");
      assertThat(loopCores(router).values())
          .allMatch(cores -> cores.contains("-") || cores.contains(","));
    }
  }

  private static Router start(boolean pin, TestBackend backend) {
    return Router.start(
        RouterConfig.builder().listen("127.0.0.1", 0).ioThreads(2).pinLoops(pin).build(),
        new RouteTable(
            1,
            List.of(
                ServiceRoute.of(
                    "web",
                    new Route("*", "/"),
                    List.of(
                        new Backend(
                            "b1", "1", (InetSocketAddress) backend.server.getAddress(), 1))))));
  }

  private static String get(Router router) throws Exception {
    var response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + router.addresses().get(0).getPort() + "/"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body().trim();
  }

  /**
   * The allowed cores of this router's event loop threads, by thread id, as /proc says. Each loop
   * reports its own id, so loops of other routers in this JVM are not counted.
   */
  private static Map<String, String> loopCores(Router router) throws Exception {
    Map<String, String> cores = new TreeMap<>();
    List<String> ids = new ArrayList<>();
    for (var loop : router.eventLoops()) {
      ids.add(
          loop.submit(
                  () ->
                      Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString())
              .get());
    }
    for (String id : ids) {
      cores.put(id, allowedList(Path.of("/proc/self/task", id, "status")));
    }
    return cores;
  }

  private static String allowedList(Path status) throws IOException {
    try (Stream<String> lines = Files.lines(status)) {
      return lines
          .filter(l -> l.startsWith("Cpus_allowed_list:"))
          .map(l -> l.substring("Cpus_allowed_list:".length()).trim())
          .findFirst()
          .orElseThrow();
    }
  }
}
