package dev.kiln.server;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Resources;
import dev.kiln.model.ServiceSpec;
import dev.kiln.runtime.HostCapacity;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses, at plan and apply time, resource limits this host could never give an instance of the
 * {@code process} runtime (more cores or memory than it has): such a limit limits nothing, and
 * every start would be refused by the runtime. The blueprint itself cannot know the host, so this
 * is the server's check, located at the service as the blueprint wrote it.
 */
final class HostLimits {
  private HostLimits() {}

  /**
   * Pure: every limit beyond {@code host}, as {@code file:line:col: services.S.resources.K: ...}.
   */
  static List<String> problems(Blueprint blueprint, HostCapacity host) {
    List<String> out = new ArrayList<>();
    for (ServiceSpec s : blueprint.services().values()) {
      if (!s.runtime().equals("process")) continue; // another engine decides for its own hosts
      Resources r = s.resources();
      String at = s.at() + ": services." + s.name() + ".resources.";
      if (!host.hasCpu(r.cpuMillis())) {
        out.add(
            at
                + "cpu: "
                + Resources.cores(r.cpuMillis())
                + " is more than the "
                + host.cores()
                + " cores of this host; lower it");
      }
      if (!host.hasMemory(r.memoryBytes())) {
        out.add(
            at
                + "memory: "
                + Resources.bytes(r.memoryBytes())
                + " is more than the "
                + Resources.bytes(host.memoryBytes())
                + " of this host; lower it");
      }
    }
    return out;
  }

  static void check(Blueprint blueprint, HostCapacity host) {
    List<String> problems = problems(blueprint, host);
    if (!problems.isEmpty()) throw new ServerException(String.join("\n", problems));
  }
}
