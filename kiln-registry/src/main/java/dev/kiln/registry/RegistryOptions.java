package dev.kiln.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach a registry.
 *
 * @param username with {@code password}: basic credentials, sent to the registry (basic auth) or to
 *     its token service (bearer auth), never logged
 * @param caCertificate a PEM file of extra CA certificates to trust for TLS (a private registry's
 *     CA)
 * @param plainHttp speak HTTP instead of HTTPS; loopback registries default to it, as Docker does
 */
public record RegistryOptions(
    Optional<String> username,
    Optional<String> password,
    Optional<Path> caCertificate,
    Optional<Boolean> plainHttp,
    Duration timeout) {
  public static RegistryOptions defaults() {
    return new RegistryOptions(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Duration.ofMinutes(5));
  }

  public RegistryOptions withCredentials(String user, String pass) {
    return new RegistryOptions(
        Optional.of(user), Optional.of(pass), caCertificate, plainHttp, timeout);
  }

  public RegistryOptions withCa(Path pem) {
    return new RegistryOptions(username, password, Optional.of(pem), plainHttp, timeout);
  }

  public RegistryOptions withPlainHttp(boolean plain) {
    return new RegistryOptions(username, password, caCertificate, Optional.of(plain), timeout);
  }

  @Override
  public String toString() {
    // Never print the password.
    return "RegistryOptions[user=" + username.orElse("-") + ", ca=" + caCertificate + "]";
  }
}
