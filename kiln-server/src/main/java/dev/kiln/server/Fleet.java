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

  /** Listings of one driver before it is given up on for this observation. */
  static final int LIST_ATTEMPTS = 3;

  /**
   * Every instance of every driver in use. A listing can fail for a moment while an instance is
   * being removed (its record vanishes under the listing, which prompt stops make frequent), so a
   * failed listing is retried; the planners must not see the fleet without that driver's instances
   * for it, since to them a missing instance is a dead one (they would empty its route and start a
   * whole new fleet). A driver that still fails (its daemon is down) is skipped and logged.
   */
  List<Running> list() {
    // Not under the lock while the runtimes answer: the executor lists on a thread of its own, and
    // a start on the loop thread (driver()) must not wait for the listing.
    Map<String, RuntimeDriver> inUse;
    synchronized (this) {
      inUse = new TreeMap<>(drivers);
    }
    List<Running> out = new ArrayList<>();
    for (var e : inUse.entrySet()) {
      for (int attempt = 1; ; attempt++) {
        try {
          for (InstanceStatus s : e.getValue().list()) out.add(new Running(s, e.getKey()));
          break;
        } catch (RuntimeException ex) {
          if (attempt < LIST_ATTEMPTS) continue;
          LOG.log(Level.WARNING, "runtime " + e.getKey() + " cannot list its instances", ex);
          break;
        }
      }
    }
    return out;
  }

  /** The drift every driver in use observed on its running instances (issue 10). */
  synchronized List<dev.kiln.runtime.Drift> drift() {
    List<dev.kiln.runtime.Drift> out = new ArrayList<>();
    for (var e : drivers.entrySet()) {
      try {
        out.addAll(e.getValue().drift());
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "runtime " + e.getKey() + " cannot report drift", ex);
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    drivers.values().forEach(RuntimeDriver::close);
  }
}
