package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.RouteTable;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.Split;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The route table the router serves, kept in {@code $KILN_HOME/router/table.json} (written to a
 * temp file, then moved atomically) so that a restarted server — or a router of its own — starts
 * serving the last table at once instead of an empty one.
 */
final class TableFile {
  private TableFile() {}

  static void write(Path file, RouteTable table) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, Json.write(toJson(table)), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ServerException("cannot write the route table " + file + ": " + e.getMessage(), e);
    }
  }

  static Optional<RouteTable> read(Path file) {
    if (!Files.exists(file)) return Optional.empty();
    try {
      return Optional.of(fromJson(Json.parse(Files.readString(file))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a table we cannot read is no table: the controller rebuilds it
    }
  }

  /** {@link #toJson(RouteTable, boolean)}: TLS keys included (only for {@code POST /table}). */
  static final boolean WITH_KEYS = true;

  /** The table as saved and as {@code GET /table} shows it: TLS sites without their keys. */
  static ObjectNode toJson(RouteTable t) {
    return toJson(t, false);
  }

  /**
   * @param withKeys include each TLS site's private key: only for the table the server sends the
   *     router over its authenticated admin channel, never for a file
   */
  static ObjectNode toJson(RouteTable t, boolean withKeys) {
    ObjectNode n = Json.object();
    n.put("version", t.version());
    ArrayNode services = n.putArray("services");
    for (ServiceRoute s : t.services()) {
      ObjectNode sn = services.addObject();
      sn.put("service", s.service());
      sn.put("host", s.route().host());
      sn.put("path", s.route().pathPrefix());
      sn.put("mode", s.split().mode().name());
      sn.put("stickyCookie", s.split().stickyCookie());
      sn.put("overrideHeader", s.split().overrideHeader());
      sn.put("overrideCookie", s.split().overrideCookie());
      ArrayNode allowed = sn.putArray("overridable");
      s.split().overridableRevisions().stream().sorted().forEach(allowed::add);
      ArrayNode backends = sn.putArray("backends");
      for (Backend b : s.backends()) {
        ObjectNode bn = backends.addObject();
        bn.put("id", b.id());
        bn.put("revision", b.revision());
        bn.put("host", b.address().getHostString());
        bn.put("port", b.address().getPort());
        bn.put("weight", b.weight());
      }
      if (s.hold().enabled()) {
        ObjectNode hold = sn.putObject("hold");
        hold.put("maxQueued", s.hold().maxQueued());
        hold.put("timeout", s.hold().timeout().toString());
      }
      s.tls().ifPresent(site -> sn.set("tls", TlsSiteJson.write(site, withKeys)));
    }
    return n;
  }

  static RouteTable fromJson(JsonNode n) {
    List<ServiceRoute> services = new ArrayList<>();
    for (JsonNode sn : n.get("services")) {
      Set<String> allowed = new HashSet<>();
      sn.get("overridable").forEach(a -> allowed.add(a.asText()));
      Split split =
          new Split(
              Split.Mode.valueOf(sn.get("mode").asText()),
              sn.get("stickyCookie").asText(),
              sn.get("overrideHeader").asText(),
              sn.get("overrideCookie").asText(),
              allowed);
      List<Backend> backends = new ArrayList<>();
      for (JsonNode bn : sn.get("backends")) {
        backends.add(
            new Backend(
                bn.get("id").asText(),
                bn.get("revision").asText(),
                new InetSocketAddress(bn.get("host").asText(), bn.get("port").asInt()),
                bn.get("weight").asInt()));
      }
      ServiceRoute route =
          new ServiceRoute(
              sn.get("service").asText(),
              new Route(sn.get("host").asText(), sn.get("path").asText()),
              backends,
              split,
              sn.has("hold")
                  ? new dev.kiln.router.Hold(
                      sn.get("hold").get("maxQueued").asInt(),
                      java.time.Duration.parse(sn.get("hold").get("timeout").asText()))
                  : dev.kiln.router.Hold.NONE);
      services.add(TlsSiteJson.read(sn.path("tls")).map(route::withTls).orElse(route));
    }
    return new RouteTable(n.get("version").asLong(), services);
  }
}
