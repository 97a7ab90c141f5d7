package dev.kiln.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * What an IT passes on to a {@code kiln server} JVM it starts itself: the build's lighter router
 * and server settings (the root pom's failsafe properties: a 50-request router warm-up, no AOT
 * cache training, a 256 MiB router heap, a 5-rollback rehearsal), so that a server in a process of
 * its own costs the build what one in the test JVM does. Without them each such start trained a
 * router AOT cache and warmed its router with 20,000 requests: 6-10 CPU-seconds.
 */
public final class ItJvm {
  private ItJvm() {}

  static final List<String> PASSED_ON =
      List.of("kiln.router.warmup", "kiln.router.aot", "kiln.router.heap", "kiln.server.rehearsal");

  /** {@code -Dname=value} for each of those properties this JVM has. */
  public static List<String> flags() {
    List<String> out = new ArrayList<>();
    for (String name : PASSED_ON) {
      String value = System.getProperty(name);
      if (value != null) out.add("-D" + name + "=" + value);
    }
    return out;
  }
}
