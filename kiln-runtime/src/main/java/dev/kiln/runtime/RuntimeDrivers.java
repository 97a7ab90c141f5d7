package dev.kiln.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds driver factories on the class path with {@link ServiceLoader}. */
public final class RuntimeDrivers {
  private RuntimeDrivers() {}

  public static List<String> available() {
    List<String> names = new ArrayList<>();
    ServiceLoader.load(RuntimeDriverFactory.class).forEach(f -> names.add(f.name()));
    return names.stream().sorted().toList();
  }

  public static RuntimeDriver create(String name, DriverContext context) {
    for (RuntimeDriverFactory factory : ServiceLoader.load(RuntimeDriverFactory.class)) {
      if (factory.name().equals(name)) return factory.create(context);
    }
    throw new RuntimeDriverException(
        "no runtime named '"
            + name
            + "'; available: "
            + available()
            + " (is its kiln-runtime-"
            + name
            + " jar on the class path?)");
  }
}
