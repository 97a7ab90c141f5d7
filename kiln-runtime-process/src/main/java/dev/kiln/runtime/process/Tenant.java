package dev.kiln.runtime.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How one instance runs as a tenant of the host: in its own network namespace ({@code slot}), as an
 * unprivileged host uid ({@code uid}) mapped to root of a fresh user namespace, under the seccomp
 * filter. Pure: {@link #wrap} turns bwrap's argv into the launch chain, unit-tested as data.
 *
 * <p>The chain is {@code nsenter --net=/run/netns/kiln-N} (root: joining a namespace root made) →
 * {@code setpriv --reuid U --regid U --clear-groups} → {@code bwrap --unshare-user --uid 0 --gid 0
 * --seccomp 4 ...}. Root inside is only root of a user namespace that owns nothing on the host; the
 * network namespace is owned by the host's user namespace, so the instance cannot change its
 * addresses, routes or firewall either.
 *
 * @param uid the host uid the instance's processes run as
 * @param slot its network, or empty when it shares the host's network (no nftables/iproute2)
 * @param seccompFd the descriptor the supervisor opens on the BPF program (below 10, for dash)
 */
record Tenant(int uid, Optional<NetworkSlot> slot, Path nsenter, Path setpriv, int seccompFd) {
  static final int SECCOMP_FD = 4;

  Tenant {
    if (uid < TenantUids.FIRST) throw new IllegalArgumentException("tenant uid too low: " + uid);
    if (seccompFd < 3 || seccompFd > 9)
      throw new IllegalArgumentException("seccomp fd must be 3..9: " + seccompFd);
  }

  /** {@code bwrapArgv} (starting with the bwrap binary) run as this tenant. */
  List<String> wrap(List<String> bwrapArgv) {
    List<String> argv = new ArrayList<>();
    slot.ifPresent(s -> argv.addAll(List.of(nsenter.toString(), "--net=" + s.namespacePath())));
    argv.addAll(
        List.of(
            setpriv.toString(),
            "--reuid",
            Integer.toString(uid),
            "--regid",
            Integer.toString(uid),
            "--clear-groups"));
    argv.add(bwrapArgv.getFirst());
    argv.addAll(
        List.of(
            "--unshare-user",
            "--uid",
            "0",
            "--gid",
            "0",
            "--seccomp",
            Integer.toString(seccompFd)));
    argv.addAll(bwrapArgv.subList(1, bwrapArgv.size()));
    return argv;
  }

  /** Where the router and health checks reach the instance; empty = 127.0.0.1. */
  Optional<String> host() {
    return slot.map(NetworkSlot::instanceAddress);
  }
}
