package dev.kiln.runtime.process;

import java.nio.file.Path;

/**
 * One instance's network: a network namespace ({@code /run/netns/kiln-N}) joined to the host by a
 * veth pair, {@code kvN} on the host side ({@code 10.78.x.y+1/30}) and {@code eth0} inside ({@code
 * +2}). Inside, TCP arriving on eth0 is redirected to 127.0.0.1 (route_localnet), so a program that
 * listens on 127.0.0.1:$PORT — the habit when instances shared the host's network — is reached by
 * the router at {@link #instanceAddress()}:$PORT.
 */
public record NetworkSlot(int index) {
  static final int MAX = 16383; // /30s in 10.78.0.0/16

  public NetworkSlot {
    if (index < 1 || index > MAX)
      throw new IllegalArgumentException("network slot out of range: " + index);
  }

  public String namespace() {
    return "kiln-" + index;
  }

  public Path namespacePath() {
    return Path.of("/run/netns", namespace());
  }

  public String hostInterface() {
    return "kv" + index;
  }

  private String base() {
    int offset = index << 2;
    return "10.78." + (offset >> 8) + "." + (offset & 255);
  }

  /** The host side of the veth pair. */
  public String hostAddress() {
    int offset = (index << 2) + 1;
    return "10.78." + (offset >> 8) + "." + (offset & 255);
  }

  /** Where the router and the health checker reach the instance. */
  public String instanceAddress() {
    int offset = (index << 2) + 2;
    return "10.78." + (offset >> 8) + "." + (offset & 255);
  }

  String subnet() {
    return base() + "/30";
  }
}
