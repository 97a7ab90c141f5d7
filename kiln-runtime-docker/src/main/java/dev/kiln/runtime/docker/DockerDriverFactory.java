package dev.kiln.runtime.docker;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverFactory;

/** Registers the {@code docker} runtime with {@link java.util.ServiceLoader}. */
public final class DockerDriverFactory implements RuntimeDriverFactory {
  @Override
  public String name() {
    return "docker";
  }

  @Override
  public RuntimeDriver create(DriverContext context) {
    return new DockerDriver(context);
  }
}
