package dev.kiln.server;

import dev.kiln.api.InstanceView;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Per-instance resource use and limits in the Prometheus text format, from the instances view: what
 * the runtime accounted (for the process runtime, the instance's own cgroup). CPU is a counter in
 * seconds, so {@code rate(kiln_instance_cpu_seconds_total[1m])} is the cores an instance uses —
 * what an autoscaler's {@code cpu} target compares with the instance's {@code cpu} limit.
 */
final class InstanceMetrics {
  private record Metric(
      String name, String type, String help, Function<InstanceView, Optional<Number>> value) {}

  private static final List<Metric> METRICS =
      List.of(
          new Metric(
              "kiln_instance_cpu_seconds_total",
              "counter",
              "CPU time used by the instance's processes.",
              i -> usage(i).map(InstanceView.Usage::cpuSeconds)),
          new Metric(
              "kiln_instance_memory_bytes",
              "gauge",
              "Memory the instance uses.",
              i -> usage(i).map(InstanceView.Usage::memoryBytes)),
          new Metric(
              "kiln_instance_memory_peak_bytes",
              "gauge",
              "The most memory the instance has used.",
              i -> usage(i).map(InstanceView.Usage::memoryPeakBytes)),
          new Metric(
              "kiln_instance_pids",
              "gauge",
              "Processes and threads of the instance.",
              i -> usage(i).map(InstanceView.Usage::pids)),
          new Metric(
              "kiln_instance_memory_limit_bytes",
              "gauge",
              "The instance's memory limit.",
              i -> limits(i).map(InstanceView.Limits::memoryBytes)),
          new Metric(
              "kiln_instance_cpu_limit_cores",
              "gauge",
              "The instance's CPU quota.",
              i -> limits(i).map(InstanceView.Limits::cpu)),
          new Metric(
              "kiln_instance_pids_limit",
              "gauge",
              "The instance's pids limit.",
              i -> limits(i).map(InstanceView.Limits::pids)));

  private InstanceMetrics() {}

  static String render(List<InstanceView> instances) {
    StringBuilder out = new StringBuilder();
    for (Metric m : METRICS) {
      StringBuilder lines = new StringBuilder();
      for (InstanceView i : instances) {
        Optional<Number> value = m.value().apply(i);
        if (value.isEmpty()) continue;
        lines
            .append(m.name())
            .append("{service=\"")
            .append(i.service())
            .append("\",instance=\"")
            .append(i.id())
            .append("\",revision=\"")
            .append(i.revision())
            .append("\"} ")
            .append(text(value.get()))
            .append('\n');
      }
      if (lines.isEmpty()) continue;
      out.append("# HELP ").append(m.name()).append(' ').append(m.help()).append('\n');
      out.append("# TYPE ").append(m.name()).append(' ').append(m.type()).append('\n');
      out.append(lines);
    }
    return out.toString();
  }

  private static Optional<InstanceView.Usage> usage(InstanceView i) {
    return Optional.ofNullable(i.usage());
  }

  private static Optional<InstanceView.Limits> limits(InstanceView i) {
    return Optional.ofNullable(i.limits());
  }

  /** As the JSON view writes it: a whole number as is, a fraction as Java prints a double. */
  private static String text(Number n) {
    return n instanceof Double || n instanceof Float
        ? Double.toString(n.doubleValue())
        : n.toString();
  }
}
