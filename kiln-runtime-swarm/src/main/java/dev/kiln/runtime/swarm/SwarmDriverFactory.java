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
    return new SwarmDriver(context);
  }
}
