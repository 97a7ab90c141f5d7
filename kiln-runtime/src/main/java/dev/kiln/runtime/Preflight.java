package dev.kiln.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks every driver makes before starting anything, so a bad start fails early and cleanly. */
public final class Preflight {
  private Preflight() {}

  /** Fails if something already listens on the instance's loopback port. */
  public static void requirePortFree(InstanceSpec spec) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), spec.port()));
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": port "
              + spec.port()
              + " on 127.0.0.1 is already in use ("
              + e.getMessage()
              + "); pick a free port");
    }
  }
}
