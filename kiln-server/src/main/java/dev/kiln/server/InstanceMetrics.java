package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Per-instance resource use and limits in the Prometheus text format, from the instances view: what
 * the runtime accounted (for the process runtime, the instance's own cgroup). CPU is a counter in
 * seconds, so {@code rate(kiln_instance_cpu_seconds_total[1m])} is the cores an instance uses —
 * what an autoscaler's {@code cpu} target compares with the instance's {@code cpu} limit.
 */
final class InstanceMetrics {
  private record Metric(String name, String type, String help, String section, String field) {}

  private static final List<Metric> METRICS =
      List.of(
          new Metric(
              "kiln_instance_cpu_seconds_total",
              "counter",
              "CPU time used by the instance's processes.",
              "usage",
              "cpuSeconds"),
          new Metric(
              "kiln_instance_memory_bytes",
              "gauge",
              "Memory the instance uses.",
              "usage",
              "memoryBytes"),
          new Metric(
              "kiln_instance_memory_peak_bytes",
              "gauge",
              "The most memory the instance has used.",
              "usage",
              "memoryPeakBytes"),
          new Metric(
              "kiln_instance_pids",
              "gauge",
              "Processes and threads of the instance.",
              "usage",
              "pids"),
          new Metric(
              "kiln_instance_memory_limit_bytes",
              "gauge",
              "The instance's memory limit.",
              "limits",
              "memoryBytes"),
          new Metric(
              "kiln_instance_cpu_limit_cores",
              "gauge",
              "The instance's CPU quota.",
              "limits",
              "cpu"),
          new Metric(
              "kiln_instance_pids_limit", "gauge", "The instance's pids limit.", "limits", "pids"));

  private InstanceMetrics() {}

  static String render(JsonNode instances) {
    StringBuilder out = new StringBuilder();
    for (Metric m : METRICS) {
      StringBuilder lines = new StringBuilder();
      for (JsonNode i : instances) {
        JsonNode value = i.path(m.section()).path(m.field());
        if (!value.isNumber()) continue;
        lines
            .append(m.name())
            .append("{service=\"")
            .append(i.path("service").asText())
            .append("\",instance=\"")
            .append(i.path("id").asText())
            .append("\",revision=\"")
            .append(i.path("revision").asText())
            .append("\"} ")
            .append(value.isIntegralNumber() ? value.asText() : Double.toString(value.asDouble()))
            .append('\n');
      }
      if (lines.isEmpty()) continue;
      out.append("# HELP ").append(m.name()).append(' ').append(m.help()).append('\n');
      out.append("# TYPE ").append(m.name()).append(' ').append(m.type()).append('\n');
      out.append(lines);
    }
    return out.toString();
  }
}
