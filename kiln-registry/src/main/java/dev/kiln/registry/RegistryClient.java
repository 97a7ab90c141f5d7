package dev.kiln.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The OCI distribution API for one repository of one registry: blobs (HEAD, monolithic upload,
 * GET), manifests (PUT, GET) and the referrers API. Authentication follows the registry's
 * challenge: basic credentials, or a bearer token fetched from the realm the registry names
 * (Docker's token flow).
 */
public final class RegistryClient {
  /**
   * Bound on what a manifest or referrers index may weigh (the spec suggests registries take 4
   * MiB).
   */
  static final int MAX_MANIFEST = 4 << 20;

  static final String MANIFEST_ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryRef ref;
  private final RegistryOptions options;
  private final HttpClient http;
  private final String base;
  private final String scope;
  private Optional<String> authorization = Optional.empty();

  /** A manifest as the registry returned it: exact bytes, so its digest can be checked. */
  public record Fetched(String mediaType, byte[] content, Digest digest) {}

  public RegistryClient(RegistryRef ref, RegistryOptions options, boolean push) {
    this.ref = ref;
    this.options = options;
    boolean plain = options.plainHttp().orElse(ref.isLoopback());
    this.base = (plain ? "http://" : "https://") + ref.registry() + "/v2/" + ref.repository();
    this.scope = "repository:" + ref.repository() + (push ? ":pull,push" : ":pull");
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL);
    options.caCertificate().ifPresent(ca -> b.sslContext(trusting(ca)));
    this.http = b.build();
  }

  public boolean hasBlob(Digest digest) {
    HttpResponse<Void> r =
        send(() -> request("/blobs/" + digest).method("HEAD", noBody()), discarding());
    if (r.statusCode() == 200) return true;
    if (r.statusCode() == 404) return false;
    throw failure("HEAD blob " + digest, r.statusCode(), "");
  }

  /** Uploads a blob in one PUT (the monolithic upload of the distribution spec). */
  public void pushBlob(Digest digest, Path file) {
    HttpResponse<String> start =
        send(() -> request("/blobs/uploads/").POST(noBody()), HttpResponse.BodyHandlers.ofString());
    if (start.statusCode() != 202) {
      throw failure("starting the upload of " + digest, start.statusCode(), start.body());
    }
    String location =
        start
            .headers()
            .firstValue("Location")
            .orElseThrow(() -> failure("upload of " + digest, 202, "no Location"));
    URI upload = URI.create(base).resolve(location);
    String sep = upload.getQuery() == null ? "?" : "&";
    URI put =
        URI.create(
            upload
                + sep
                + "digest="
                + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
    HttpResponse<String> done =
        send(
            () -> {
              try {
                return HttpRequest.newBuilder(put)
                    .timeout(options.timeout())
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file));
              } catch (IOException e) {
                throw new RegistryException(
                    "cannot read blob " + digest + ": " + e.getMessage(), e);
              }
            },
            HttpResponse.BodyHandlers.ofString());
    if (done.statusCode() != 201) {
      throw failure("uploading blob " + digest, done.statusCode(), done.body());
    }
  }

  /** Stores a manifest under a tag or its digest; returns the digest the registry computed. */
  public Digest putManifest(String reference, String mediaType, byte[] content) {
    HttpResponse<String> r =
        send(
            () ->
                request("/manifests/" + reference)
                    .header("Content-Type", mediaType)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content)),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw failure("putting manifest " + reference, r.statusCode(), r.body());
    }
    Digest mine = Digest.of(content);
    r.headers()
        .firstValue("Docker-Content-Digest")
        .map(Digest::parse)
        .filter(d -> !d.equals(mine))
        .ifPresent(
            d -> {
              throw new RegistryException(
                  ref.registry() + " stored manifest " + reference + " as " + d + ", not " + mine);
            });
    return mine;
  }

  /** Fetches a manifest; the digest is computed from the bytes, never taken from a header. */
  public Optional<Fetched> getManifest(String reference) {
    HttpResponse<InputStream> r =
        send(
            () -> request("/manifests/" + reference).header("Accept", MANIFEST_ACCEPT).GET(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() == 404) {
      drain(r);
      return Optional.empty();
    }
    byte[] content = bounded(r, "manifest " + reference);
    if (r.statusCode() != 200) {
      throw failure(
          "getting manifest " + reference,
          r.statusCode(),
          new String(content, StandardCharsets.UTF_8));
    }
    String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
    return Optional.of(new Fetched(type, content, Digest.of(content)));
  }

  /** Streams a blob into {@code out}; the caller checks its digest. */
  public void getBlob(Digest digest, OutputStream out) {
    HttpResponse<InputStream> r =
        send(() -> request("/blobs/" + digest).GET(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw failure("getting blob " + digest, r.statusCode(), "");
      }
      in.transferTo(out);
    } catch (IOException e) {
      throw new RegistryException(where() + ": reading blob " + digest + ": " + e.getMessage(), e);
    }
  }

  /**
   * The referrers API ({@code GET /v2/<name>/referrers/<digest>}, OCI distribution 1.1): the index
   * of artifacts whose subject is {@code digest}, or empty when the registry has no such API, in
   * which case callers use the tag-schema fallback ({@code sha256-<hex>}).
   */
  public Optional<JsonNode> referrers(Digest digest) {
    HttpResponse<InputStream> r =
        send(
            () ->
                request("/referrers/" + digest)
                    .header("Accept", "application/vnd.oci.image.index.v1+json")
                    .GET(),
            HttpResponse.BodyHandlers.ofInputStream());
    byte[] content = bounded(r, "referrers of " + digest);
    String type = r.headers().firstValue("Content-Type").orElse("");
    if (r.statusCode() != 200 || !type.startsWith("application/vnd.oci.image.index.v1+json")) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(content));
    } catch (IOException e) {
      throw new RegistryException(where() + ": referrers of " + digest + " are not JSON");
    }
  }

  public String where() {
    return ref.registry() + "/" + ref.repository();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(options.timeout());
  }

  /** Sends, answering one 401 challenge (basic or bearer) and retrying once with credentials. */
  private <T> HttpResponse<T> send(
      Supplier<HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler) {
    HttpResponse<T> r = exchange(request, handler);
    if (r.statusCode() != 401) return r;
    String header = r.headers().firstValue("WWW-Authenticate").orElse("");
    if (r.body() instanceof InputStream in) closeQuietly(in);
    Challenge challenge =
        Challenge.parse(header)
            .orElseThrow(
                () ->
                    new RegistryException(where() + ": 401 without a WWW-Authenticate challenge"));
    authorization = Optional.of(answer(challenge));
    HttpResponse<T> again = exchange(request, handler);
    if (again.statusCode() == 401 || again.statusCode() == 403) {
      if (again.body() instanceof InputStream in) closeQuietly(in);
      throw new RegistryException(
          where()
              + ": access denied ("
              + again.statusCode()
              + ")"
              + (options.username().isEmpty()
                  ? "; give credentials with --username and --password-stdin"
                  : " for user " + options.username().get()));
    }
    return again;
  }

  private <T> HttpResponse<T> exchange(
      Supplier<HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler) {
    HttpRequest.Builder b = request.get();
    authorization.ifPresent(a -> b.header("Authorization", a));
    try {
      return http.send(b.build(), handler);
    } catch (IOException e) {
      throw new RegistryException(where() + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(where() + ": interrupted", e);
    }
  }

  private String answer(Challenge c) {
    if (c.isBasic()) {
      if (options.username().isEmpty()) {
        throw new RegistryException(
            where() + " asks for a login; give credentials with --username and --password-stdin");
      }
      return "Basic " + basic();
    }
    if (!c.isBearer() || !c.params().containsKey("realm")) {
      throw new RegistryException(where() + ": unsupported authentication challenge " + c.scheme());
    }
    StringBuilder url = new StringBuilder(c.params().get("realm"));
    url.append(url.indexOf("?") < 0 ? '?' : '&');
    if (c.params().containsKey("service")) {
      url.append("service=")
          .append(URLEncoder.encode(c.params().get("service"), StandardCharsets.UTF_8))
          .append('&');
    }
    url.append("scope=")
        .append(URLEncoder.encode(c.params().getOrDefault("scope", scope), StandardCharsets.UTF_8));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url.toString())).timeout(options.timeout()).GET();
    if (options.username().isPresent()) b.header("Authorization", "Basic " + basic());
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new RegistryException(
            where() + ": the token service refused (" + r.statusCode() + ")");
      }
      JsonNode token = JSON.readTree(r.body());
      String value = token.path("token").asText(token.path("access_token").asText(""));
      if (value.isEmpty())
        throw new RegistryException(where() + ": the token service returned no token");
      return "Bearer " + value;
    } catch (IOException e) {
      throw new RegistryException(where() + ": token service: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(where() + ": interrupted", e);
    }
  }

  private String basic() {
    String pair = options.username().orElse("") + ":" + options.password().orElse("");
    return Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] bounded(HttpResponse<InputStream> r, String what) {
    try (InputStream in = r.body()) {
      byte[] content = in.readNBytes(MAX_MANIFEST + 1);
      if (content.length > MAX_MANIFEST) {
        throw new RegistryException(
            where() + ": " + what + " is larger than " + MAX_MANIFEST + " bytes");
      }
      return content;
    } catch (IOException e) {
      throw new RegistryException(where() + ": reading " + what + ": " + e.getMessage(), e);
    }
  }

  private RegistryException failure(String what, int status, String body) {
    String detail =
        body == null || body.isBlank() ? "" : ": " + body.strip().lines().findFirst().orElse("");
    if (detail.length() > 300) detail = detail.substring(0, 300) + "…";
    return new RegistryException(where() + ": " + what + " failed with HTTP " + status + detail);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof javax.net.ssl.SSLHandshakeException) {
      return "TLS handshake failed (" + m + "); trust the registry's CA with --ca FILE";
    }
    if (e instanceof java.net.ConnectException)
      return "cannot connect (" + (m == null ? "refused" : m) + ")";
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private static void drain(HttpResponse<InputStream> r) {
    closeQuietly(r.body());
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // Nothing to do: the body is not needed.
    }
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  private static HttpResponse.BodyHandler<Void> discarding() {
    return HttpResponse.BodyHandlers.discarding();
  }

  private static SSLContext trusting(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) throw new RegistryException("CA file " + pem + " holds no certificate");
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new RegistryException("cannot read CA file " + pem + ": " + e.getMessage(), e);
    }
  }
}
