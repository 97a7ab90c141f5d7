package dev.kiln.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * N real Docker hosts on one machine, formed into a swarm: each host is a network namespace joined
 * to a bridge in the root namespace by a veth pair, with its own {@code dockerd} (own data-root,
 * exec-root, pidfile, socket, cgroup parent, and so its own containerd) started with {@code nsenter
 * --net} ({@code ip netns exec} would remount /sys and break dockerd's cgroup mounts). Host 1 is
 * the manager. The root namespace holds the bridge's address ({@link #gateway()}), so this JVM
 * reaches every host's instances directly, and a registry listening there is reachable from the
 * hosts (they trust it over plain HTTP).
 *
 * <p>{@link #close()} removes everything it made: containers, daemons and any process left in a
 * namespace, mounts under its directory, the namespaces, links and the bridge, and the directory.
 */
public final class SwarmHosts implements AutoCloseable {
  /** One host: its namespace, address and engine socket. */
  public record Host(int index, String netns, String address, Path dir) {
    public String engine() {
      return "unix://" + dir.resolve("sock");
    }

    Path pidFile() {
      return dir.resolve("pid");
    }
  }

  private final String tag;
  private final String subnet;
  private final Path dir;
  private final List<Host> hosts = new ArrayList<>();
  private final List<Process> daemons = new ArrayList<>();
  private boolean bridgeMade;

  private SwarmHosts(String tag, int octet, Path dir) {
    this.tag = tag;
    this.subnet = "10.79." + octet;
    this.dir = dir;
  }

  /** Skips the calling test (an assumption) when this machine cannot host namespaced engines. */
  public static void assumeSupported() {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "swarm hosts need root (ip netns)");
    for (String tool : List.of("/usr/sbin/dockerd", "/usr/bin/docker", "/usr/bin/nsenter")) {
      Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed");
    }
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
        "iproute2 is not installed");
  }

  /** Creates {@code count} hosts and forms the swarm; on any failure, removes what it made. */
  public static SwarmHosts start(int count) {
    assumeSupported();
    for (int attempt = 1; ; attempt++) {
      int n = ThreadLocalRandom.current().nextInt(1 << 16);
      String tag = String.format("k%04x", n); // interface names: 15 characters at most
      SwarmHosts hosts = new SwarmHosts(tag, 100 + n % 150, Path.of("/tmp", "ksw-" + tag));
      if (!hosts.claimSubnet()) {
        if (attempt == 50) throw new IllegalStateException("no free subnet in 10.79.100-249.0/24");
        continue;
      }
      try {
        hosts.create(count);
        return hosts;
      } catch (RuntimeException | Error e) {
        hosts.close();
        throw e;
      }
    }
  }

  /**
   * Claims this swarm's subnet by creating its bridge, which is named after the subnet: two swarms
   * on one host at once (ITs of two modules in a parallel build) never share one, where a random
   * pick alone would collide once in 150 times. False if another swarm holds it.
   */
  private boolean claimSubnet() {
    Result r = exec(List.of("ip", "link", "add", bridge(), "type", "bridge"));
    if (r.exit == 0) {
      bridgeMade = true;
      return true;
    }
    if (r.output.contains("exists")) return false;
    throw new IllegalStateException(
        "ip link add " + bridge() + " exited " + r.exit + ": " + r.output);
  }

  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  public Host manager() {
    return hosts.getFirst();
  }

  /** The root namespace's address on the hosts' network: where the hosts reach this JVM. */
  public String gateway() {
    return subnet + ".254";
  }

  /** The host with this address, if it is one of ours. */
  public Optional<Host> byAddress(String address) {
    return hosts.stream().filter(h -> h.address().equals(address)).findFirst();
  }

  private String bridge() {
    return "kswb" + subnet.substring(subnet.lastIndexOf('.') + 1);
  }

  private void create(int count) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run("ip", "addr", "add", gateway() + "/24", "dev", bridge());
    run("ip", "link", "set", bridge(), "up");
    for (int i = 1; i <= count; i++) {
      Host host = new Host(i, tag + "-" + i, subnet + "." + i, dir.resolve(Integer.toString(i)));
      hosts.add(host);
      String outside = tag + "h" + i;
      String inside = tag + "p" + i;
      run("ip", "netns", "add", host.netns());
      run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
      run("ip", "link", "set", inside, "netns", host.netns());
      run("ip", "-n", host.netns(), "link", "set", inside, "name", "eth0");
      run("ip", "-n", host.netns(), "addr", "add", host.address() + "/24", "dev", "eth0");
      run("ip", "-n", host.netns(), "link", "set", "eth0", "up");
      run("ip", "-n", host.netns(), "link", "set", "lo", "up");
      run("ip", "link", "set", outside, "master", bridge());
      run("ip", "link", "set", outside, "up");
      startDaemon(host);
    }
    for (Host host : hosts) awaitEngine(host);
    docker(
        manager(),
        "swarm",
        "init",
        "--advertise-addr",
        manager().address(),
        "--listen-addr",
        manager().address() + ":2377",
        // a lost node is noticed within seconds, not the default ~15 s
        "--dispatcher-heartbeat",
        "1s");
    String token = docker(manager(), "swarm", "join-token", "-q", "worker").strip();
    for (Host host : hosts.subList(1, hosts.size())) {
      docker(
          host,
          "swarm",
          "join",
          "--token",
          token,
          "--advertise-addr",
          host.address(),
          "--listen-addr",
          host.address() + ":2377",
          manager().address() + ":2377");
    }
    // nodes share the machine's hostname; a label tells them apart
    for (Host host : hosts) {
      String node = docker(host, "info", "--format", "{{.Swarm.NodeID}}").strip();
      docker(manager(), "node", "update", "--label-add", "kiln.host=" + host.index(), node);
    }
  }

  private void startDaemon(Host host) {
    try {
      Files.createDirectories(host.dir());
      Process p =
          new ProcessBuilder(
                  "nsenter",
                  "--net=/run/netns/" + host.netns(),
                  "dockerd",
                  "--data-root",
                  host.dir().resolve("d").toString(),
                  "--exec-root",
                  host.dir().resolve("x").toString(),
                  "--pidfile",
                  host.pidFile().toString(),
                  "-H",
                  host.engine(),
                  "--iptables=false",
                  "--ip6tables=false",
                  "--bridge=none",
                  "--cgroup-parent=" + tag + "n" + host.index(),
                  "--storage-driver=vfs",
                  "--insecure-registry",
                  subnet + ".0/24",
                  "--userland-proxy=false",
                  // swarm services cannot ask for it per container on Docker 20.10: nodes must
                  "--no-new-privileges",
                  "--log-level=warn")
              .redirectErrorStream(true)
              .redirectOutput(host.dir().resolve("dockerd.log").toFile())
              .start();
      daemons.add(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start dockerd for " + host.netns(), e);
    }
  }

  private void awaitEngine(Host host) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(host.dir().resolve("sock"))
          && exec(List.of("docker", "-H", host.engine(), "version")).exit == 0) return;
      sleep(200);
    }
    throw new IllegalStateException(
        "dockerd of " + host.netns() + " did not answer within 60 s; see " + host.dir());
  }

  /**
   * Takes a host off the network and kills its engine (and everything it ran) at once: what a power
   * cut looks like to the others.
   */
  public void lose(Host host) {
    run("ip", "link", "set", tag + "h" + host.index(), "down");
    killAll(host);
  }

  /** Runs the docker CLI against a host's engine; throws with its output when it fails. */
  public String docker(Host host, String... args) {
    List<String> argv = new ArrayList<>(List.of("docker", "-H", host.engine()));
    argv.addAll(List.of(args));
    return run(argv.toArray(String[]::new));
  }

  @Override
  public void close() {
    for (Host host : hosts) {
      exec(
          List.of(
              "sh",
              "-c",
              "docker -H "
                  + host.engine()
                  + " ps -aq | xargs -r docker -H "
                  + host.engine()
                  + " rm -f"));
    }
    for (Host host : hosts) signalDaemon(host, "TERM");
    for (Process p : daemons) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Host host : hosts) killAll(host);
    unmountAll();
    for (Host host : hosts) {
      // deleting one end of a veth pair deletes both at once; a namespace's own links would only
      // go with the namespace, which the kernel tears down later
      exec(List.of("ip", "link", "del", tag + "h" + host.index()));
      exec(List.of("ip", "netns", "del", host.netns()));
    }
    if (bridgeMade) exec(List.of("ip", "link", "del", bridge()));
    for (Host host : hosts) {
      // the daemon's cgroup parent and its containers' cgroups in it: one directory on cgroup v2,
      // one per controller on v1 (where only the v2 path was removed: hundreds piled up on a CI
      // host)
      String parent = tag + "n" + host.index();
      exec(
          List.of(
              "sh",
              "-c",
              "for d in /sys/fs/cgroup/"
                  + parent
                  + " /sys/fs/cgroup/*/"
                  + parent
                  + "; do [ -d \"$d\" ] && rmdir \"$d\"/* \"$d\"; done 2>/dev/null; true"));
    }
    deleteTree(dir);
  }

  private void signalDaemon(Host host, String signal) {
    try {
      if (Files.exists(host.pidFile())) {
        String pid = Files.readString(host.pidFile()).strip();
        exec(List.of("kill", "-" + signal, pid));
      }
    } catch (IOException ignored) {
      // no pid file: the daemon is gone
    }
  }

  /** Kills every process in the host's namespace: its dockerd, containerd, shims, instances. */
  private void killAll(Host host) {
    for (int round = 0; round < 50; round++) {
      String pids = exec(List.of("ip", "netns", "pids", host.netns())).output.strip();
      if (pids.isEmpty()) return;
      List<String> argv = new ArrayList<>(List.of("kill", "-KILL"));
      argv.addAll(List.of(pids.split("\\s+")));
      exec(argv);
      sleep(100);
    }
  }

  private void unmountAll() {
    try {
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].startsWith(dir.toString())) mounts.add(f[1]);
      }
      mounts.sort(Comparator.reverseOrder()); // children first
      for (String m : mounts) exec(List.of("umount", "-l", m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) return;
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e);
    }
  }

  private record Result(int exit, String output) {}

  private static String run(String... argv) {
    Result r = exec(List.of(argv));
    if (r.exit != 0) {
      throw new IllegalStateException(
          String.join(" ", argv) + " exited " + r.exit + ": " + r.output);
    }
    return r.output;
  }

  private static Result exec(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, argv.getFirst() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }

  /** True once something accepts connections at {@code host:port} (from this namespace). */
  public static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
