package dev.kiln.model;

/** Which requests reach a service: a host ({@code *} for any) and a path prefix. */
public record Route(String host, String pathPrefix) {
  public Route {
    if (!pathPrefix.startsWith("/")) throw new IllegalArgumentException("path must start with /");
  }
}
