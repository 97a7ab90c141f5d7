package dev.kiln.runtime.swarm;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverFactory;

/** Registers the {@code swarm} runtime with {@link java.util.ServiceLoader}. */
public final class SwarmDriverFactory implements RuntimeDriverFactory {
  @Override
  public String name() {
    return "swarm";
  }

  @Override
  public RuntimeDriver create(DriverContext context) {
    // the server creates drivers without options: the manager and registry come from
    // swarm.properties
    return new SwarmDriver(context.withOptionsFile("swarm.properties"));
  }
}
