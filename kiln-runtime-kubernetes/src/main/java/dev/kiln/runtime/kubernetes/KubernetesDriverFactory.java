package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverFactory;

/** Registers the {@code kubernetes} runtime with {@link java.util.ServiceLoader}. */
public final class KubernetesDriverFactory implements RuntimeDriverFactory {
  @Override
  public String name() {
    return "kubernetes";
  }

  @Override
  public RuntimeDriver create(DriverContext context) {
    return new KubernetesDriver(context);
  }
}
