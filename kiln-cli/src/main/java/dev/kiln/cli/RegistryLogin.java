package dev.kiln.cli;

import dev.kiln.registry.RegistryException;
import dev.kiln.registry.RegistryOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How {@code push} and {@code pull} reach a registry. The password is read from standard input (or
 * $KILN_REGISTRY_PASSWORD), never from an argument, so it stays out of shell history and {@code
 * ps}.
 */
public final class RegistryLogin {
  @Option(
      names = "--username",
      paramLabel = "USER",
      description = "Registry user (or $KILN_REGISTRY_USERNAME).")
  Optional<String> username = Optional.empty();

  @Option(
      names = "--password-stdin",
      description = "Read the registry password from standard input.")
  boolean passwordStdin;

  @Option(
      names = "--ca",
      paramLabel = "FILE",
      description = "PEM file of a CA to trust for the registry's TLS.")
  Optional<Path> ca = Optional.empty();

  @Option(
      names = "--plain-http",
      paramLabel = "BOOL",
      arity = "0..1",
      description = "Speak HTTP, not HTTPS (default: only for loopback registries).")
  Optional<Boolean> plainHttp = Optional.empty();

  RegistryOptions options() {
    RegistryOptions o = RegistryOptions.defaults();
    Optional<String> user =
        username.or(() -> Optional.ofNullable(System.getenv("KILN_REGISTRY_USERNAME")));
    if (user.isPresent()) {
      o = o.withCredentials(user.get(), password());
    } else if (passwordStdin) {
      throw new RegistryException("--password-stdin needs --username");
    }
    if (ca.isPresent()) o = o.withCa(ca.get());
    if (plainHttp.isPresent()) o = o.withPlainHttp(plainHttp.get());
    return o;
  }

  private String password() {
    if (passwordStdin) {
      try {
        return new String(System.in.readNBytes(4096), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new RegistryException(
            "cannot read the password from standard input: " + e.getMessage(), e);
      }
    }
    String env = System.getenv("KILN_REGISTRY_PASSWORD");
    if (env == null) {
      throw new RegistryException(
          "a --username needs a password: --password-stdin or $KILN_REGISTRY_PASSWORD");
    }
    return env;
  }
}
