package dev.kiln.blueprint;

import dev.kiln.model.Resources;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads a service's {@code resources:} — {@code { memory: 256Mi, cpu: 0.5, pids: 128 }}, each
 * optional, per instance. A key that is present must set a real limit: zero is refused (leave the
 * key out for "no limit"), and so are values no host could give. Whether this host can give them is
 * the runtime's to say when it starts the instance.
 */
final class ResourcesReader {
  static final List<String> KEYS = List.of("memory", "cpu", "pids");

  /** Below this an instance cannot even start its sandbox. */
  static final long MIN_MEMORY = 4L << 20;

  static final long MAX_MEMORY = 1L << 50;
  static final long MAX_CPU_MILLIS = 1024L * 1000;

  /** The kernel's PID_MAX_LIMIT: no pids limit above it means anything. */
  static final int MAX_PIDS = 4_194_304;

  private final Values values;

  ResourcesReader(Values values) {
    this.values = values;
  }

  /** Empty if there is a problem (reported). */
  Optional<Resources> read(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    boolean ok = true;
    long memory = 0;
    int cpu = 0;
    int pids = 0;
    if (f.has("memory")) {
      Optional<Long> m = memory(f.get("memory").orElseThrow(), f.path("memory"));
      ok &= m.isPresent();
      memory = m.orElse(0L);
    }
    if (f.has("cpu")) {
      Optional<Long> c = cpu(f.get("cpu").orElseThrow(), f.path("cpu"));
      ok &= c.isPresent();
      cpu = c.orElse(0L).intValue();
    }
    if (f.has("pids")) {
      Optional<Integer> p =
          values.integer(f.get("pids").orElseThrow(), f.path("pids"), 1, MAX_PIDS);
      ok &= p.isPresent();
      pids = p.orElse(0);
    }
    return ok ? Optional.of(new Resources(memory, cpu, pids)) : Optional.empty();
  }

  private Optional<Long> memory(Node node, String path) {
    Optional<String> text = scalar(node, path);
    if (text.isEmpty()) return Optional.empty();
    Optional<Long> bytes = ResourceQuantities.memory(text.get());
    if (bytes.isEmpty()) {
      values.report(
          node,
          path + ": '" + text.get() + "' is not a memory size",
          ResourceQuantities.MEMORY_HINT);
    } else if (bytes.get() == 0) {
      values.report(node, path + ": must be more than 0", "leave memory out for no limit");
      return Optional.empty();
    } else if (bytes.get() < MIN_MEMORY || bytes.get() > MAX_MEMORY) {
      values.report(
          node,
          path + ": " + text.get() + " is out of range",
          "use 4Mi (the least an instance starts in) to 1024Ti");
      return Optional.empty();
    }
    return bytes;
  }

  private Optional<Long> cpu(Node node, String path) {
    Optional<String> text = scalar(node, path);
    if (text.isEmpty()) return Optional.empty();
    Optional<Long> millis = ResourceQuantities.cpuMillis(text.get());
    if (millis.isEmpty()) {
      values.report(
          node,
          path + ": '" + text.get() + "' is not a CPU quantity (at most millicore precision)",
          ResourceQuantities.CPU_HINT);
    } else if (millis.get() == 0) {
      values.report(node, path + ": must be more than 0", "leave cpu out for no limit");
      return Optional.empty();
    } else if (millis.get() > MAX_CPU_MILLIS) {
      values.report(node, path + ": " + text.get() + " is out of range", "use 1m to 1024 cores");
      return Optional.empty();
    }
    return millis;
  }

  /** Units make most quantities strings; a bare number (cpu: 2) is a scalar too. */
  private Optional<String> scalar(Node node, String path) {
    if (!(node instanceof ScalarNode)) {
      values.report(node, path + ": expected a quantity, got " + Values.describe(node));
      return Optional.empty();
    }
    return values.nonEmpty(node, path);
  }
}
