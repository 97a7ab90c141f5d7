package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.testkit.LoopbackRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry behind TLS with a private CA, and behind Docker's token authentication (the registry
 * verifies a JWT that a token service signed): what a team's own registry looks like.
 */
class RegistryAuthIT {
  @TempDir Path tmp;

  @Test
  void tls_withThePrivateCa_works_andWithoutIt_saysToTrustTheCa() throws Exception {
    Path pki = tmp.resolve("pki");
    Files.createDirectories(pki);
    openssl(
        pki,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem");
    openssl(
        pki,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr");
    Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
        pki,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem");
    try (LoopbackRegistry registry =
        LoopbackRegistry.start(
            tmp.resolve("registry"),
            List.of(
                "  tls: { certificate: "
                    + pki.resolve("server.pem")
                    + ", key: "
                    + pki.resolve("server.key")
                    + " }"))) {
      ImageStore store = storeWithOneBlobImage();
      RegistryRef ref = RegistryRef.parse(registry.address() + "/tls/web:1");

      assertThatThrownBy(
              () -> Push.push(store, "web", ref, RegistryOptions.defaults().withPlainHttp(false)))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("--ca");
      Push.Result pushed =
          Push.push(
              store,
              "web",
              ref,
              RegistryOptions.defaults().withPlainHttp(false).withCa(pki.resolve("ca.pem")));
      assertThat(pushed.digest()).isEqualTo(store.resolve("web").orElseThrow().digest());
    }
  }

  @Test
  void bearerTokens_areFetchedFromTheRealmWithTheCredentials() throws Exception {
    Path pki = tmp.resolve("token-pki");
    Files.createDirectories(pki);
    openssl(
        pki,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=token-signer",
        "-keyout",
        "signer.key",
        "-out",
        "signer.pem");
    openssl(
        pki,
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "signer.key",
        "-outform",
        "DER",
        "-out",
        "signer.der");
    PrivateKey signer =
        KeyFactory.getInstance("RSA")
            .generatePrivate(
                new PKCS8EncodedKeySpec(Files.readAllBytes(pki.resolve("signer.der"))));
    X509Certificate cert;
    try (var in = Files.newInputStream(pki.resolve("signer.pem"))) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    AtomicInteger tokensIssued = new AtomicInteger();
    HttpServer tokens = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String expectedBasic =
        "Basic " + Base64.getEncoder().encodeToString("ci:s3cret".getBytes(StandardCharsets.UTF_8));
    tokens.createContext(
        "/token",
        ex -> {
          if (!expectedBasic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.sendResponseHeaders(401, -1);
            ex.close();
            return;
          }
          String scope = query(ex.getRequestURI().getRawQuery(), "scope");
          String[] parts = scope.split(":");
          String body;
          try {
            body = "{\"token\":\"" + jwt(signer, cert, parts[1], parts[2].split(",")) + "\"}";
          } catch (java.security.GeneralSecurityException e) {
            throw new java.io.IOException(e);
          }
          tokensIssued.incrementAndGet();
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    tokens.start();
    try (LoopbackRegistry registry =
        LoopbackRegistry.start(
            tmp.resolve("registry"),
            List.of(
                "auth:",
                "  token:",
                "    realm: http://127.0.0.1:" + tokens.getAddress().getPort() + "/token",
                "    service: kiln-test",
                "    issuer: kiln-test-issuer",
                "    rootcertbundle: " + pki.resolve("signer.pem")))) {
      ImageStore store = storeWithOneBlobImage();
      RegistryRef ref = RegistryRef.parse(registry.address() + "/private/web:1");

      assertThatThrownBy(() -> Push.push(store, "web", ref, RegistryOptions.defaults()))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("token service refused");
      Push.Result pushed =
          Push.push(store, "web", ref, RegistryOptions.defaults().withCredentials("ci", "s3cret"));
      assertThat(pushed.digest()).isEqualTo(store.resolve("web").orElseThrow().digest());
      assertThat(tokensIssued.get()).isPositive();
    } finally {
      tokens.stop(0);
    }
  }

  /**
   * A one-layer image, unsigned: enough for transport tests (signature checks are RegistryIT's).
   */
  private ImageStore storeWithOneBlobImage() {
    ImageStore store = ImageStore.open(tmp.resolve("store"));
    if (store.resolve("web").isPresent()) return store;
    Descriptor layer = store.put(MediaTypes.LAYER_TAR, new byte[10240]);
    Descriptor config =
        store.put(
            MediaTypes.CONFIG,
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}"
                .formatted(layer.digest())
                .getBytes(StandardCharsets.UTF_8));
    Descriptor manifest =
        store.putManifest(new dev.kiln.image.ImageManifest(config, List.of(layer)));
    store.tag("web", manifest);
    return store;
  }

  private static String jwt(
      PrivateKey key, X509Certificate cert, String repository, String[] actions)
      throws java.security.GeneralSecurityException {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String header =
        "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\""
            + Base64.getEncoder().encodeToString(cert.getEncoded())
            + "\"]}";
    long now = Instant.now().getEpochSecond();
    StringBuilder acts = new StringBuilder();
    for (String a : actions)
      acts.append(acts.isEmpty() ? "" : ",").append('"').append(a).append('"');
    String claims =
        ("{\"iss\":\"kiln-test-issuer\",\"sub\":\"ci\",\"aud\":\"kiln-test\",\"exp\":%d,\"nbf\":%d,\"iat\":%d,"
                + "\"jti\":\"%d\",\"access\":[{\"type\":\"repository\",\"name\":\"%s\",\"actions\":[%s]}]}")
            .formatted(now + 300, now - 10, now, System.nanoTime(), repository, acts);
    String signingInput =
        url.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key);
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(s.sign());
  }

  private static String query(String raw, String name) {
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (pair.substring(0, eq).equals(name)) {
        return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0)
      throw new IllegalStateException("openssl " + String.join(" ", args) + ": " + out);
  }
}
