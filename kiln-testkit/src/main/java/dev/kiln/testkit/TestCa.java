package dev.kiln.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made by the test with the {@code openssl} command, issuing leaf
 * certificates for test host names, and a JDK TLS client that trusts only it. The router's TLS
 * tests and the server's edge TLS tests share it.
 */
public final class TestCa {
  /** The folder the CA's key, its certificate and every leaf's files are written to. */
  public final Path dir;

  /** The CA's certificate (PEM), what a client trusts. */
  public final Path caCert;

  private int serial = 100;

  /** A leaf: the chain file (leaf first), the PKCS#8 key file, and the DNS names it carries. */
  public record Leaf(Path chain, Path key, List<String> names) {
    public Leaf {
      names = List.copyOf(names);
    }
  }

  public TestCa(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    this.caCert = dir.resolve("ca.pem");
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        dir.resolve("ca.key").toString(),
        "-out",
        caCert.toString(),
        "-days",
        "30",
        "-subj",
        "/CN=Kiln Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
  }

  /** An EC P-256 leaf for those names, valid for {@code days}. */
  public Leaf issue(String file, int days, String... names)
      throws IOException, InterruptedException {
    return issue(file, "ec", days, names);
  }

  /** A renewal: a new certificate (new serial, new dates) for the same key and names. */
  public Leaf renew(Leaf leaf, String file, int days) throws IOException, InterruptedException {
    return issue(file, Optional.of(leaf.key()), "", days, "", leaf.names().toArray(String[]::new));
  }

  /**
   * @param keyType "ec" (P-256) or "rsa" (2048 bits)
   */
  public Leaf issue(String file, String keyType, int days, String... names)
      throws IOException, InterruptedException {
    return issue(file, Optional.empty(), keyType, days, "", names);
  }

  /**
   * An EC leaf whose Authority Information Access names {@code ocsp} as its OCSP responder, with
   * the chain file holding the CA after it (stapling needs the issuer).
   */
  public Leaf issueWithResponder(String file, int days, URI ocsp, String... names)
      throws IOException, InterruptedException {
    Leaf leaf =
        issue(
            file,
            Optional.empty(),
            "ec",
            days,
            "authorityInfoAccess=OCSP;URI:" + ocsp + "\n",
            names);
    Files.writeString(leaf.chain(), Files.readString(leaf.chain()) + Files.readString(caCert));
    return leaf;
  }

  /**
   * @param extension more lines for the leaf's extension file
   */
  private Leaf issue(
      String file,
      Optional<Path> existingKey,
      String keyType,
      int days,
      String extension,
      String... names)
      throws IOException, InterruptedException {
    Path key = existingKey.orElse(dir.resolve(file + ".key"));
    Path csr = dir.resolve(file + ".csr");
    Path cert = dir.resolve(file + ".pem");
    Path ext = dir.resolve(file + ".ext");
    List<String> req = new ArrayList<>(List.of("openssl", "req", "-new", "-nodes"));
    if (existingKey.isPresent()) req.addAll(List.of("-key", key.toString()));
    else if (keyType.equals("rsa")) req.addAll(List.of("-newkey", "rsa:2048"));
    else req.addAll(List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"));
    req.addAll(List.of("-out", csr.toString(), "-subj", "/CN=" + names[0]));
    if (existingKey.isEmpty()) req.addAll(List.of("-keyout", key.toString()));
    run(req.toArray(String[]::new));
    StringBuilder san = new StringBuilder("subjectAltName=");
    for (int i = 0; i < names.length; i++)
      san.append(i == 0 ? "" : ",").append("DNS:").append(names[i]);
    Files.writeString(ext, san + "\nextendedKeyUsage=serverAuth\n" + extension);
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        caCert.toString(),
        "-CAkey",
        dir.resolve("ca.key").toString(),
        "-set_serial",
        Integer.toString(serial++),
        "-days",
        Integer.toString(days),
        "-extfile",
        ext.toString(),
        "-out",
        cert.toString());
    return new Leaf(cert, key, List.of(names));
  }

  /** A TLS client context that trusts this CA only. */
  public SSLContext clientContext() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * A TLS connection to {@code address} asking for {@code serverName} by SNI, with the JDK's
   * hostname verification on: it fails unless the server chose a certificate for that name.
   */
  public static SSLSocket connect(SSLContext ctx, InetSocketAddress address, String serverName)
      throws IOException {
    var plain = new Socket(address.getAddress(), address.getPort());
    var s =
        (SSLSocket) ctx.getSocketFactory().createSocket(plain, serverName, address.getPort(), true);
    var p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(serverName)));
    p.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(p);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  /** The leaf certificate the server presented on {@code s}. */
  public static X509Certificate peer(SSLSocket s) throws Exception {
    return (X509Certificate) s.getSession().getPeerCertificates()[0];
  }

  /** Runs a command (openssl, curl), returning its output; a non-zero exit is an IOException. */
  public static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed:\n" + out);
    return out;
  }
}
