package dev.kiln.runtime.process;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverFactory;

/** Registers the {@code process} runtime with {@link java.util.ServiceLoader}. */
public final class ProcessDriverFactory implements RuntimeDriverFactory {
  @Override
  public String name() {
    return "process";
  }

  @Override
  public RuntimeDriver create(DriverContext context) {
    // the server creates drivers without options: $KILN_HOME/process.properties gives them
    // (root-image, sandbox, isolation, ...); options passed in code win
    return new ProcessDriver(context.withOptionsFile("process.properties"));
  }
}
