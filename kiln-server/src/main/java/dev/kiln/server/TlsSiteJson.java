package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.router.KeyPem;
import dev.kiln.router.TlsSite;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A route's TLS site in the router's table JSON: {@code {"cert": "/…/router/tls/<sha>.pem",
 * "redirect": true, "hstsMaxAge": 31536000, "key": "<PEM>"}}, the key only where the caller asked
 * for it. A site read without its key is no site: the route is then served over plain HTTP only
 * until the server publishes the table again with the key.
 */
final class TlsSiteJson {
  private TlsSiteJson() {}

  static ObjectNode write(TlsSite site, boolean withKey) {
    ObjectNode n = Json.object();
    n.put("cert", site.certChain().toString());
    n.put("redirect", site.redirect());
    n.put("hstsMaxAge", site.hstsMaxAgeSeconds());
    if (withKey) n.put("key", site.key().pem());
    return n;
  }

  static Optional<TlsSite> read(JsonNode n) {
    if (n == null || !n.isObject() || !n.hasNonNull("key")) return Optional.empty();
    return Optional.of(
        new TlsSite(
            Path.of(n.get("cert").asText()),
            KeyPem.of(n.get("key").asText()),
            n.path("redirect").asBoolean(false),
            n.path("hstsMaxAge").asLong(0)));
  }
}
