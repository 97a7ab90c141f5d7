package dev.kiln.registry;

import dev.kiln.model.Digest;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code REGISTRY/REPO[:TAG][@DIGEST]} as Docker writes it: the registry is the part before the
 * first slash (a host, with an optional port); the repository is lowercase path components.
 */
public record RegistryRef(
    String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
  private static final Pattern REPOSITORY =
      Pattern.compile(
          "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern REGISTRY =
      Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");

  public RegistryRef {
    if (!REGISTRY.matcher(registry).matches()) {
      throw new RegistryException("registry '" + registry + "' is not a host[:port]");
    }
    if (!REPOSITORY.matcher(repository).matches()) {
      throw new RegistryException(
          "repository '" + repository + "' is not valid (lowercase letters, digits, . _ - and /)");
    }
    tag.ifPresent(
        t -> {
          if (!TAG.matcher(t).matches())
            throw new RegistryException("tag '" + t + "' is not valid");
        });
  }

  /** Parses {@code REGISTRY/REPO[:TAG][@sha256:…]}; the registry part is required. */
  public static RegistryRef parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0) {
      throw new RegistryException(
          "'"
              + text
              + "' names no registry: write REGISTRY/REPO[:TAG] (e.g. 127.0.0.1:5000/web:1)");
    }
    String registry = text.substring(0, slash);
    String rest = text.substring(slash + 1);
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Optional.of(Digest.parse(rest.substring(at + 1)));
      } catch (IllegalArgumentException e) {
        throw new RegistryException("'" + text + "': " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    Optional<String> tag = Optional.empty();
    int colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      tag = Optional.of(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
    }
    return new RegistryRef(registry, rest, tag, digest);
  }

  /** What the manifest endpoint is asked for: the digest if there is one, else the tag. */
  public String reference() {
    return digest.map(Digest::toString).or(() -> tag).orElse("latest");
  }

  public RegistryRef withDigest(Digest d) {
    return new RegistryRef(registry, repository, tag, Optional.of(d));
  }

  /** Loopback registries speak plain HTTP unless told otherwise, as Docker treats them. */
  public boolean isLoopback() {
    String host =
        registry.startsWith("[")
            ? registry.substring(0, registry.indexOf(']') + 1)
            : registry.split(":")[0];
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  @Override
  public String toString() {
    return registry
        + "/"
        + repository
        + tag.map(t -> ":" + t).orElse("")
        + digest.map(d -> "@" + d).orElse("");
  }
}
