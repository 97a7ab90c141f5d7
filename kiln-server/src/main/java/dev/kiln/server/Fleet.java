package dev.kiln.server;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The runtime drivers the server uses, created on first use, and every instance they report. */
final class Fleet implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Fleet.class.getName());

  /** An instance and the runtime that runs it. */
  record Running(InstanceStatus status, String runtime) {
    String id() {
      return status.id().value();
    }
  }

  private final Function<String, RuntimeDriver> factory;
  private final Map<String, RuntimeDriver> drivers = new TreeMap<>();

  /** The drivers found on the class path ({@link RuntimeDrivers}). */
  Fleet(DriverContext context) {
    this(name -> RuntimeDrivers.create(name, context));
  }

  /** Drivers made by {@code factory} (tests hand in fakes). */
  Fleet(Function<String, RuntimeDriver> factory) {
    this.factory = factory;
  }

  synchronized RuntimeDriver driver(String runtime) {
    return drivers.computeIfAbsent(runtime, factory);
  }

  /** Every instance of every driver in use; a driver that fails to list is skipped and logged. */
  synchronized List<Running> list() {
    List<Running> out = new ArrayList<>();
    for (var e : drivers.entrySet()) {
      try {
        for (InstanceStatus s : e.getValue().list()) out.add(new Running(s, e.getKey()));
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "runtime " + e.getKey() + " cannot list its instances", ex);
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    drivers.values().forEach(RuntimeDriver::close);
  }
}
