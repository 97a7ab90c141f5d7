package dev.kiln.oci;

import java.util.List;

/**
 * How much of the host a sandbox sees: one record per use, so the differences between a bake's
 * {@code run} step and an instance are data, named and tested, not two argument builders drifting
 * apart. Image tests use {@link #INSTANCE} itself: an image is tested exactly as it will run.
 *
 * @param name for messages and tests
 * @param writableRoot bind the root read-write (run steps: the changes become a layer)
 * @param network share the host network; otherwise a fresh network namespace with only loopback
 * @param resolvConf bind the host's /etc/resolv.conf (a step that downloads needs a resolver)
 * @param capabilities the capabilities kept when running as root; empty drops all of them
 */
public record Profile(
    String name,
    boolean writableRoot,
    boolean network,
    boolean resolvConf,
    List<String> capabilities) {

  /** Docker's default capabilities: enough for package managers, not for mounts or modules. */
  public static final List<String> DOCKER_DEFAULT_CAPS =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FOWNER",
          "CAP_FSETID",
          "CAP_KILL",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETPCAP",
          "CAP_SETFCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_MKNOD",
          "CAP_AUDIT_WRITE");

  /**
   * An instance: read-only root, no capabilities, the host network (it listens on its loopback port
   * for the router), bwrap's init as pid 1 and the command as pid 2.
   */
  public static final Profile INSTANCE = new Profile("instance", false, true, false, List.of());

  public Profile {
    capabilities = List.copyOf(capabilities);
  }

  /**
   * A bake's {@code run} step: the build root read-write and, as root, Docker's default
   * capabilities (apt drops to {@code _apt}, package scripts chown). No network unless the step
   * asks for it.
   */
  public static Profile runStep(boolean network) {
    return new Profile(
        network ? "run step (network)" : "run step", true, network, network, DOCKER_DEFAULT_CAPS);
  }

  /** An image test: exactly {@link #INSTANCE}. */
  public static Profile imageTest() {
    return INSTANCE;
  }
}
