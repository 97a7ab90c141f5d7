package dev.kiln.runtime.process;

import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Instances as network tenants: each instance runs in a network namespace of its own ({@link
 * NetworkSlot}), so it sees neither the host's sockets nor its loopback services (the API, the
 * router's admin interface, a database on 127.0.0.1), and the host's nftables table {@code inet
 * kiln_instances} refuses every connection an instance opens towards the host or another instance.
 * The router and health checks, on the host, connect in; replies flow back as established traffic.
 *
 * <p>Creating a namespace and its veth pair costs a few process launches (tens of milliseconds), so
 * a small pool is kept ready and refilled in the background: an instance start only takes a slot.
 * Slots are allocated by the kernel's own uniqueness of namespace names, so several Kiln processes
 * on one host never share one; each slot's owner is recorded under {@code /run/kiln-net} so that a
 * restarted server reclaims its pool and the slots of instances that are gone.
 */
public final class InstanceNetworks implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(InstanceNetworks.class.getName());
  static final Path OWNERS = Path.of("/run/kiln-net");

  private final String owner;
  private final int poolSize;
  private final Deque<NetworkSlot> pool = new ArrayDeque<>();
  private final Object lock = new Object();
  private boolean refilling;
  private @Nullable Thread refiller; // the last pool refill started, if any
  private boolean closed;

  private InstanceNetworks(String owner, int poolSize) {
    this.owner = owner;
    this.poolSize = poolSize;
  }

  /**
   * Network isolation when this host allows it (root, iproute2, nftables, nsenter), else empty —
   * the caller then runs instances in the host's network and says so.
   */
  public static Optional<InstanceNetworks> open(Path home, int poolSize) {
    if (!available()) return Optional.empty();
    InstanceNetworks n =
        new InstanceNetworks(home.toAbsolutePath().normalize().toString(), poolSize);
    n.installHostRules();
    return Optional.of(n);
  }

  static boolean available() {
    return "root".equals(System.getProperty("user.name"))
        && HostTools.find("ip").isPresent()
        && HostTools.find("nft").isPresent()
        && HostTools.find("nsenter").isPresent();
  }

  /** A ready slot for {@code instance}: from the pool when there is one, else made now. */
  public NetworkSlot acquire(String instance) {
    NetworkSlot slot;
    synchronized (lock) {
      slot = pool.pollFirst();
    }
    if (slot == null) slot = create();
    recordOwner(slot, "instance " + instance);
    refillLater();
    return slot;
  }

  /**
   * Network {@code none}: the slot may answer (the router's and health checks' connections are
   * established from outside) but open nothing of its own, not even to the outside world. The rule
   * lives in the slot's namespace (owned by the host, so the instance cannot remove it) and goes
   * with it.
   */
  public void denyEgress(NetworkSlot slot) {
    String rules =
        """
        table ip kiln_egress {
          chain output {
            type filter hook output priority 0; policy accept;
            oifname "eth0" ct state established,related accept
            oifname "eth0" drop
          }
        }
        """;
    Result r =
        exec(
            "nsenter --net="
                + slot.namespacePath()
                + " nft -f - <<'KILN_EOF'\n"
                + rules
                + "KILN_EOF");
    if (r.code != 0)
      throw new RuntimeDriverException(
          "cannot close the egress of " + slot.namespace() + " (nft): " + r.output);
  }

  /** Removes the veth pair and the namespace. Safe to call for a slot already gone. */
  public void release(NetworkSlot slot) {
    run(
        "ip netns del " + slot.namespace() + " 2>/dev/null || true",
        "releasing " + slot.namespace());
    // The kernel finishes tearing a veth down shortly after the call returns: wait, so that a
    // released slot is gone for whoever looks next (bounded; a straggler is harmless).
    Path device = Path.of("/sys/class/net", slot.hostInterface());
    for (int i = 0; i < 200 && Files.exists(device); i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      Files.deleteIfExists(OWNERS.resolve(slot.namespace()));
    } catch (IOException e) {
      LOG.fine(() -> "cannot remove owner record of " + slot.namespace() + ": " + e.getMessage());
    }
  }

  /**
   * Releases every slot this home owns that is not in {@code live} (after a restart: the old pool,
   * and the slots of instances that are gone).
   */
  public int reclaim(Set<NetworkSlot> live) {
    int n = 0;
    try (var files = Files.list(OWNERS)) {
      for (Path f : files.toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(owner)) continue;
        String name = f.getFileName().toString();
        if (!name.startsWith("kiln-")) continue;
        NetworkSlot slot = new NetworkSlot(Integer.parseInt(name.substring(5)));
        if (live.contains(slot)) continue;
        synchronized (lock) {
          if (pool.contains(slot)) continue;
        }
        release(slot);
        n++;
      }
    } catch (IOException | NumberFormatException e) {
      LOG.fine(() -> "reclaiming network slots: " + e.getMessage());
    }
    return n;
  }

  @Override
  public void close() {
    List<NetworkSlot> unused;
    Thread filler;
    synchronized (lock) {
      closed = true;
      filler = refiller;
    }
    if (filler != null) {
      try {
        filler.join(Duration.ofSeconds(30)); // a slot being made is released by the filler itself
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      unused = new ArrayList<>(pool);
      pool.clear();
    }
    unused.forEach(this::release);
  }

  private void refillLater() {
    synchronized (lock) {
      if (refilling || closed || pool.size() >= poolSize) return;
      refilling = true;
    }
    Thread t =
        Thread.ofVirtual()
            .name("kiln-netns-pool")
            .unstarted(
                () -> {
                  try {
                    while (true) {
                      synchronized (lock) {
                        if (closed || pool.size() >= poolSize) return;
                      }
                      NetworkSlot s = create();
                      recordOwner(s, "pool");
                      boolean keep;
                      synchronized (lock) {
                        keep = !closed;
                        if (keep) pool.addLast(s);
                      }
                      if (!keep) release(s);
                    }
                  } catch (RuntimeDriverException e) {
                    LOG.warning("refilling the network pool: " + e.getMessage());
                  } finally {
                    synchronized (lock) {
                      refilling = false;
                    }
                  }
                });
    synchronized (lock) {
      refiller = t;
    }
    t.start();
  }

  /** Makes a namespace with its veth pair, trying random free indexes (the kernel arbitrates). */
  NetworkSlot create() {
    for (int attempt = 0; attempt < 50; attempt++) {
      NetworkSlot s = new NetworkSlot(1 + ThreadLocalRandom.current().nextInt(NetworkSlot.MAX));
      if (Files.exists(s.namespacePath())) continue;
      Result added = exec("ip netns add " + s.namespace());
      if (added.code != 0) {
        if (added.output.contains("exists")) continue;
        throw new RuntimeDriverException(
            "cannot create network namespace " + s.namespace() + ": " + added.output);
      }
      String inside =
          String.join(
              " && ",
              "ip addr add " + s.instanceAddress() + "/30 dev eth0",
              "ip link set eth0 up",
              "ip link set lo up",
              "ip route add default via " + s.hostAddress(),
              "sysctl -qw net.ipv4.conf.eth0.route_localnet=1",
              "printf 'table ip kiln {\\n chain prerouting {\\n  type nat hook prerouting priority -100;\\n"
                  + "  iifname \"eth0\" meta l4proto tcp dnat to 127.0.0.1\\n }\\n}\\n' | nft -f -");
      Result made =
          exec(
              String.join(
                  " && ",
                  "ip link add "
                      + s.hostInterface()
                      + " type veth peer name eth0 netns "
                      + s.namespace(),
                  "ip addr add " + s.hostAddress() + "/30 dev " + s.hostInterface(),
                  "ip link set " + s.hostInterface() + " up",
                  "nsenter --net="
                      + s.namespacePath()
                      + " sh -c '"
                      + inside.replace("'", "'\\''")
                      + "'"));
      if (made.code != 0) {
        release(s);
        throw new RuntimeDriverException(
            "cannot set up network namespace " + s.namespace() + ": " + made.output);
      }
      return s;
    }
    throw new RuntimeDriverException(
        "no free network slot found after 50 tries (10.78.0.0/16 exhausted?)");
  }

  /**
   * The host's side: connections opened from any instance veth to the host are refused (the API,
   * the router's admin port, any local service), instances cannot reach one another, and traffic to
   * the outside is masqueraded (it flows only where the host forwards). Replaced atomically, so
   * several Kiln processes installing it concurrently leave the same table.
   */
  private void installHostRules() {
    String table =
        """
        table inet kiln_instances
        delete table inet kiln_instances
        table inet kiln_instances {
          chain input {
            type filter hook input priority 0; policy accept;
            iifname "kv*" ct state established,related accept
            iifname "kv*" meta l4proto tcp reject with tcp reset
            iifname "kv*" drop
          }
          chain forward {
            type filter hook forward priority 0; policy accept;
            iifname "kv*" oifname "kv*" drop
          }
          chain postrouting {
            type nat hook postrouting priority 100; policy accept;
            ip saddr 10.78.0.0/16 oifname != "kv*" masquerade
          }
        }
        """;
    Result r = exec("nft -f - <<'KILN_EOF'\n" + table + "KILN_EOF");
    if (r.code != 0)
      throw new RuntimeDriverException("cannot install the instance firewall (nft): " + r.output);
  }

  private void recordOwner(NetworkSlot slot, String use) {
    try {
      Files.createDirectories(OWNERS);
      Path tmp = Files.createTempFile(OWNERS, ".owner-", ".tmp");
      Files.writeString(tmp, owner + "\n" + use + "\n", StandardCharsets.UTF_8);
      Files.move(
          tmp,
          OWNERS.resolve(slot.namespace()),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.fine(() -> "cannot record the owner of " + slot.namespace() + ": " + e.getMessage());
    }
  }

  private void run(String script, String what) {
    Result r = exec(script);
    if (r.code != 0) LOG.fine(() -> what + ": " + r.output);
  }

  private record Result(int code, String output) {}

  private static Result exec(String script) {
    try {
      Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + script);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, Objects.toString(e.getMessage(), e.toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
