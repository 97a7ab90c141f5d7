package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance is a tenant: a busybox image whose entrypoint tries every escape the hostile run
 * found — the API's TCP port and unix socket, a host-local listener (as the router's admin
 * interface is one), the router itself, another service's instance directly, the host's processes
 * and sockets through /proc, mount and unshare — writes what it found to its own HTTP root and
 * serves it. Read through Kiln's router: every attempt failed, and the router still serves it.
 */
class HostileInstanceIT {
  @TempDir Path tmp;

  @Test
  void everyEscapeFails_andTheRouterStillServesTheReport() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "tenancy needs root");
    try (KilnFixture k = new KilnFixture(tmp);
        ServerSocket hostService = new ServerSocket()) {
      // The router as `kiln server` runs it: a process of its own, with a token-guarded admin port.
      int routerPort;
      try (ServerSocket free = new ServerSocket(0)) {
        routerPort = free.getLocalPort();
      }
      k.cp =
          ControlPlane.start(
              new ServerConfig(
                  k.home,
                  ServerConfig.address("127.0.0.1:0"),
                  ServerConfig.address("127.0.0.1:" + routerPort),
                  java.time.Clock.systemUTC(),
                  java.util.Map.of(),
                  true));
      try {
        probe(k, hostService);
      } finally {
        k.cp.stopRouter();
      }
    }
  }

  private void probe(KilnFixture k, ServerSocket hostService) throws Exception {
    {
      hostService.bind(new InetSocketAddress("0.0.0.0", 0));
      // The neighbour: service web, two replicas serving "A".
      k.apply(k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      List<String> neighbours = instanceAddresses(k.home, "web");
      assertThat(neighbours).isNotEmpty();
      neighbours.forEach(
          n -> assertThat(n).as("web runs in a network of its own").startsWith("10.78."));

      int api = port(k.cp.apiAddress());
      int router = port(k.cp.routerAddress());
      int host = hostService.getLocalPort();
      int admin =
          Json.parse(Files.readString(k.home.resolve("router/router.json"))).get("admin").asInt();
      List<String> targets = new ArrayList<>();
      for (String where : List.of("127.0.0.1", "$GW", "$HOSTIP")) {
        targets.add("api=" + where + ":" + api);
        targets.add("router=" + where + ":" + router);
        targets.add("hostlistener=" + where + ":" + host);
        targets.add("routeradmin=" + where + ":" + admin);
      }
      for (String n : neighbours) targets.add("neighbour=" + n);
      writeSpy(k.folder, String.join(" ", targets), k.home.resolve("api.sock").toString());

      // The whole blueprint again (web stays as it is), with the spy beside it.
      String base = Files.readString(k.folder.resolve("kiln-a.yaml"));
      int services = base.indexOf("services:\n");
      Path file = k.folder.resolve("kiln-spy.yaml");
      Files.writeString(
          file,
          base.substring(0, services)
              + """
                spy:
                  from: scratch
                  steps:
                    - copy: { src: bin/, dest: /bin }
                    - copy: { src: spy/, dest: /spy }
                  entrypoint: [ /bin/sh, /spy/probe.sh ]
              """
              + base.substring(services)
              + """
                spy:
                  image: spy
                  replicas: 1
                  health: { http: /report.txt, interval: 200ms, timeout: 2s, healthy: 1, unhealthy: 3, start-deadline: 120s }
                  route: { host: "*", path: /spy }
              """);
      k.apply(file);
      k.awaitService("spy", Duration.ofSeconds(120), KilnFixture.settledOn(1));

      HttpResponse<String> r =
          k.http.send(
              HttpRequest.newBuilder(URI.create(k.router() + "/spy/report.txt")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      String report = r.body();
      // The probe itself works: the spy reaches its own listener.
      assertThat(report).contains("self=127.0.0.1:").containsPattern("self=\\S+ open");
      for (String line : report.lines().toList()) {
        if (line.startsWith("self=")) continue;
        assertThat(line).as(report).doesNotEndWith(" open").doesNotEndWith(" yes");
      }
      assertThat(report)
          .contains("socket no")
          .contains("mount refused")
          .contains("unshare refused")
          .contains("chroot refused");
      // /proc is its own: a handful of pids (bwrap's init, the shell, its children), not the
      // host's.
      int pids = Integer.parseInt(value(report, "pids"));
      long hostPids = ProcessHandle.allProcesses().count();
      assertThat(pids).isLessThan((int) Math.min(50, hostPids));
      assertThat(value(report, "pid1")).isEqualTo("bwrap");
      // /proc/net/tcp lists only its own namespace's listeners: its port, not the host's.
      assertThat(value(report, "listeners")).isEqualTo("1");
      // root inside is an unprivileged host uid.
      String[] map = value(report, "uidmap").trim().split("\\s+");
      assertThat(map[0]).isEqualTo("0");
      assertThat(Long.parseLong(map[1])).isGreaterThanOrEqualTo(1_000_000L);
      // kiln status says which isolation is in use, and where the router reaches the spy.
      JsonNode spyInstance = k.service("spy").get("instances").get(0);
      assertThat(spyInstance.get("isolation").asText()).contains("tenant uid").contains("seccomp");
      assertThat(spyInstance.get("address").asText()).startsWith("10.78.");
      // While the router still serves the neighbour.
      var web =
          k.http.send(
              HttpRequest.newBuilder(URI.create(k.router() + "/index.html")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(web.statusCode()).isEqualTo(200);
    }
  }

  private static String value(String report, String key) {
    return report
        .lines()
        .filter(l -> l.startsWith(key + " "))
        .findFirst()
        .map(l -> l.substring(key.length() + 1))
        .orElseThrow(() -> new AssertionError("no " + key + " in report:\n" + report));
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /** host:port of each running instance of {@code service}, from the process driver's records. */
  private static List<String> instanceAddresses(Path home, String service) throws Exception {
    List<String> out = new ArrayList<>();
    try (var dirs = Files.list(home.resolve("instances"))) {
      for (Path dir : dirs.toList()) {
        Path f = dir.resolve("instance.json");
        if (!Files.exists(f)) continue;
        JsonNode n = Json.parse(Files.readString(f));
        if (!n.path("stored").path("service").asText().equals(service)) continue;
        int slot = n.path("networkSlot").asInt();
        int port = n.path("stored").path("port").asInt();
        out.add(
            (slot == 0
                    ? "127.0.0.1"
                    : new dev.kiln.runtime.process.NetworkSlot(slot).instanceAddress())
                + ":"
                + port);
      }
    }
    return out;
  }

  /** The spy's entrypoint: every attempt, one line each, then serve the report. */
  private static void writeSpy(Path folder, String targets, String apiSocket) throws Exception {
    Path spy = folder.resolve("spy");
    Files.createDirectories(spy);
    String script =
        """
        #!/bin/sh
        mkdir -p /tmp/www
        R=/tmp/www/report.tmp
        : > $R
        busybox httpd -p 127.0.0.1:$PORT -h /tmp/www
        GW=$(busybox ip route | busybox awk '/default/ {print $3}')
        HOSTIP=%s
        try() { if echo x | busybox timeout 3 busybox nc -w 2 "${2%%:*}" "${2##*:}" >/dev/null 2>&1; then echo "$1=$2 open" >> $R; else echo "$1=$2 closed" >> $R; fi; }
        try self 127.0.0.1:$PORT
        for t in %s; do name=${t%%%%=*}; addr=$(eval echo ${t#*=}); try "$name" "$addr"; done
        if [ -e %s ]; then echo "socket yes" >> $R; else echo "socket no" >> $R; fi
        if busybox mount -t tmpfs none /tmp/www 2>/dev/null; then echo "mount worked" >> $R; else echo "mount refused" >> $R; fi
        if busybox unshare -n true 2>/dev/null; then echo "unshare worked" >> $R; else echo "unshare refused" >> $R; fi
        if busybox chroot / true 2>/dev/null; then echo "chroot worked" >> $R; else echo "chroot refused" >> $R; fi
        echo "pids $(busybox ls /proc | busybox grep -c '^[0-9]')" >> $R
        echo "pid1 $(busybox cat /proc/1/comm)" >> $R
        echo "listeners $(busybox awk 'NR > 1 && $4 == "0A"' /proc/net/tcp | busybox wc -l)" >> $R
        echo "uidmap $(busybox cat /proc/self/uid_map)" >> $R
        mkdir -p /tmp/www/spy
        busybox cp $R /tmp/www/spy/report.txt
        busybox mv $R /tmp/www/report.txt
        exec busybox sleep 100000
        """
            .formatted(hostAddress(), targets, apiSocket);
    Path probe = spy.resolve("probe.sh");
    Files.writeString(probe, script);
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A non-loopback address of this host, for the spy to try beside the gateway. */
  private static String hostAddress() throws Exception {
    for (var ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      if (ni.isLoopback() || !ni.isUp() || ni.getName().startsWith("kv")) continue;
      for (var a : java.util.Collections.list(ni.getInetAddresses())) {
        if (a instanceof java.net.Inet4Address) return a.getHostAddress();
      }
    }
    return "127.0.0.1";
  }
}
