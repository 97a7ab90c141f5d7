package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.router.KeyPem;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.TlsSite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Old certificate chain files in {@code router/tls/} go once no table the router could still serve
 * names them: never one of a table published and not yet served, never one just written, never
 * after a failed publish.
 */
class ChainFilesTest {
  @TempDir Path home;

  @Test
  void aRenewedChainsOldFile_goesOnlyOnceTheRouterServesATableWithoutIt() throws Exception {
    Path dir = home.resolve("router/tls");
    ChainFiles files = new ChainFiles(dir);
    Files.createDirectories(dir);
    Path leftover = Files.writeString(dir.resolve("0000.pem"), "from before a restart");
    Path notAChain = Files.writeString(dir.resolve("README"), "not ours to remove");

    Path a = files.write(pem("A"));
    assertThat(files.write(pem("A"))).isEqualTo(a); // content-addressed: written once
    long t1 = files.published(table(a));
    Path b = files.write(pem("B")); // the renewal
    long t2 = files.published(table(b));

    files.served(t1); // the router serves t1, t2 is on its way: both chains stay
    assertThat(pems(dir)).containsExactlyInAnyOrder(a, b);
    assertThat(leftover).doesNotExist();
    assertThat(notAChain).exists();

    Path c = files.write(pem("C")); // a table being built names c: it stays whatever is served
    files.served(t2);
    assertThat(pems(dir)).containsExactlyInAnyOrder(b, c);

    long t3 = files.published(table(c));
    files.abandoned(t3); // the router may still serve t2: b stays
    assertThat(pems(dir)).containsExactlyInAnyOrder(b, c);

    long t4 = files.published(table(c));
    long t5 = files.published(List.of());
    files.served(t5);
    files.served(t4); // completes late: the router is past it already, nothing comes back
    assertThat(pems(dir)).isEmpty();
  }

  @Test
  void aChainWrittenButNeverServed_goesAtTheNextServedTable_evenIfTheTableDidNotChange()
      throws Exception {
    Path dir = home.resolve("router/tls");
    ChainFiles files = new ChainFiles(dir);
    Path x = files.write(pem("X"));
    files.served(files.published(table(x)));
    Path y = files.write(pem("Y")); // e.g. its key secret no longer matches: x keeps serving
    files.served(files.published(table(x)));
    assertThat(pems(dir)).containsExactly(x);
    assertThat(y).doesNotExist();
  }

  @Test
  void unreferenced_isEveryPemNotKept() {
    Path d = Path.of("/k/router/tls");
    assertThat(
            ChainFiles.unreferenced(
                Set.of(d.resolve("a.pem"), d.resolve("b.pem"), d.resolve("x.tmp")),
                Set.of(d.resolve("./a.pem"))))
        .containsExactly(d.resolve("b.pem"));
  }

  private static byte[] pem(String s) {
    return ("-----BEGIN CERTIFICATE-----\n" + s + "\n-----END CERTIFICATE-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static List<ServiceRoute> table(Path chain) {
    return List.of(
        ServiceRoute.of("web", new Route("app.example.org", "/"), List.of())
            .withTls(TlsSite.of(chain, KeyPem.of("not a key"))));
  }

  private static List<Path> pems(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".pem")).toList();
    }
  }
}
