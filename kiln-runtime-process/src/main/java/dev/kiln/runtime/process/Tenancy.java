package dev.kiln.runtime.process;

import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The host side of running instances as tenants ({@link Tenant}): their uids, their networks, the
 * seccomp program. Needs root (to join namespaces and drop to another uid), setpriv, nsenter and a
 * kernel that allows user namespaces; the networks need iproute2 and nftables besides — without
 * them instances keep a uid and user namespace of their own but share the host's network, and the
 * driver says so.
 */
final class Tenancy implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Tenancy.class.getName());

  /** Blueprint {@code network:} values, carried to the driver as this spec label. */
  static final String NETWORK_LABEL = "dev.kiln.network";

  private final TenantUids uids;
  private final Optional<InstanceNetworks> networks;
  private final Path seccomp;
  private final Path nsenter;
  private final Path setpriv;

  private Tenancy(
      TenantUids uids,
      Optional<InstanceNetworks> networks,
      Path seccomp,
      Path nsenter,
      Path setpriv) {
    this.uids = uids;
    this.networks = networks;
    this.seccomp = seccomp;
    this.nsenter = nsenter;
    this.setpriv = setpriv;
  }

  /** Tenancy where the host allows it, else empty (with a warning naming what is missing). */
  static Optional<Tenancy> open(Path home, int pool) {
    if (!"root".equals(System.getProperty("user.name"))) {
      LOG.warning(
          "process runtime: not root, so instances cannot run as tenants (own uid, network"
              + " namespace): they share the host's network and Kiln's uid");
      return Optional.empty();
    }
    Optional<Path> setpriv = HostTools.find("setpriv");
    Optional<Path> nsenter = HostTools.find("nsenter");
    Optional<byte[]> filter = SeccompFilter.forHost();
    if (setpriv.isEmpty() || nsenter.isEmpty() || filter.isEmpty()) {
      LOG.warning(
          "process runtime: setpriv, nsenter (util-linux) or a seccomp table for "
              + System.getProperty("os.arch")
              + " is missing: instances run as root with dropped capabilities in the host's"
              + " network");
      return Optional.empty();
    }
    try {
      Files.createDirectories(home);
      Path bpf = home.resolve("seccomp.bpf");
      Path tmp = Files.createTempFile(home, ".seccomp-", ".tmp");
      Files.write(tmp, filter.get());
      Files.move(tmp, bpf, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      Optional<InstanceNetworks> networks = InstanceNetworks.open(home, pool);
      if (networks.isEmpty()) {
        LOG.warning(
            "process runtime: ip (iproute2) or nft (nftables) is missing: instances run as"
                + " tenants but share the host's network (they can reach its local services)");
      }
      return Optional.of(
          new Tenancy(new TenantUids(home), networks, bpf, nsenter.get(), setpriv.get()));
    } catch (IOException e) {
      throw new RuntimeDriverException("process runtime: cannot prepare tenancy in " + home, e);
    }
  }

  /**
   * Takes a uid and a network for a new instance; its root and volumes are made reachable to that
   * uid (search permission on their folders; volumes owned by it).
   */
  Tenant enter(InstanceSpec spec, Path root, Collection<Path> volumes) {
    int uid = uids.of(spec.service());
    try {
      traversable(root);
      for (Path v : volumes) {
        traversable(v);
        own(v, uid);
      }
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": cannot prepare its files for uid " + uid + ": " + e, e);
    }
    String network = spec.labels().getOrDefault(NETWORK_LABEL, "private");
    Optional<NetworkSlot> slot = networks.map(n -> n.acquire(spec.id().value()));
    if (slot.isPresent() && network.equals("none")) {
      try {
        networks.get().denyEgress(slot.get());
      } catch (RuntimeDriverException e) {
        networks.get().release(slot.get());
        throw e;
      }
    }
    return new Tenant(uid, slot, nsenter, setpriv, Tenant.SECCOMP_FD);
  }

  /** Whether instances get networks of their own (else they share the host's ports). */
  boolean ownNetworks() {
    return networks.isPresent();
  }

  Path seccomp() {
    return seccomp;
  }

  void release(Optional<NetworkSlot> slot) {
    slot.ifPresent(s -> networks.ifPresent(n -> n.release(s)));
  }

  /** Frees the slots this home owns that no instance in {@code live} uses (driver start). */
  void reclaim(Set<NetworkSlot> live) {
    networks.ifPresent(n -> n.reclaim(live));
  }

  String mode() {
    return networks.isPresent()
        ? "tenants: own uid, user and network namespace, seccomp"
        : "tenants: own uid and user namespace, seccomp; HOST NETWORK (no ip/nft)";
  }

  @Override
  public void close() {
    networks.ifPresent(InstanceNetworks::close);
  }

  /**
   * bwrap runs as the tenant uid, so it must be able to walk to the root and volumes: search (x)
   * permission for others on each folder above, never read — names stay unlisted.
   */
  private static void traversable(Path path) throws IOException {
    for (Path p = path.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(p, perms);
    }
  }

  /** A volume belongs to its service's uid (once chowned, later starts find it so and skip). */
  private static void own(Path volume, int uid) throws IOException {
    Object owner = Files.getAttribute(volume, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner instanceof Integer o && o == uid) return;
    try (var walk = Files.walk(volume)) {
      for (Path p : walk.toList()) {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }
}
