package dev.kiln.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmHostsIT {
  @Test
  void twoHostsFormASwarm_andCloseRemovesEverythingTheyMade() throws Exception {
    SwarmHosts.assumeSupported();
    List<SwarmHosts.Host> hosts;
    Path dir;
    try (SwarmHosts swarm = SwarmHosts.start(2)) {
      hosts = swarm.hosts();
      dir = hosts.getFirst().dir().getParent();
      String nodes =
          swarm.docker(swarm.manager(), "node", "ls", "--format", "{{.Status}} {{.Availability}}");
      assertThat(nodes.strip().lines()).containsExactly("Ready Active", "Ready Active");
      assertThat(SwarmHosts.listening(swarm.manager().address(), 2377))
          .isTrue(); // from this namespace
      // the bridge that claims the subnet (10.79.N.0/24) for this swarm is named after it
      assertThat(run("ip", "-o", "link")).contains(bridge(hosts) + ":");
    }
    String netns = run("ip", "netns", "list");
    String links = run("ip", "-o", "link");
    for (SwarmHosts.Host h : hosts) assertThat(netns).doesNotContain(h.netns());
    String tag = hosts.getFirst().netns().split("-")[0];
    assertThat(links).doesNotContain(tag).doesNotContain(bridge(hosts) + ":");
    assertThat(dir).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dir.toString());
    assertThat(run("ps", "-eo", "args")).doesNotContain(dir.toString());
    // nor the daemons' cgroup parents (--cgroup-parent), on cgroup v2 or under each v1 controller
    try (var cgroups = Files.walk(Path.of("/sys/fs/cgroup"), 2)) {
      assertThat(cgroups.map(p -> String.valueOf(p.getFileName())))
          .noneMatch(name -> name.startsWith(tag + "n"));
    }
  }

  private static String bridge(List<SwarmHosts.Host> hosts) {
    return "kswb" + hosts.getFirst().address().split("\\.")[2];
  }

  private static String run(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
