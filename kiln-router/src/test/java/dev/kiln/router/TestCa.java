package dev.kiln.router;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made by the test with the {@code openssl} command, issuing leaf
 * certificates for test host names, and a JDK TLS client that trusts only it.
 */
final class TestCa {
  final Path dir;
  final Path caCert;
  private int serial = 100;

  /** A leaf: the chain file (leaf first), the PKCS#8 key file, and the DNS names it carries. */
  record Leaf(Path chain, Path key, List<String> names) {
    KeyPem keyPem() throws IOException {
      return KeyPem.of(Files.readAllBytes(key));
    }

    TlsSite site() throws IOException {
      return TlsSite.of(chain, keyPem());
    }
  }

  TestCa(Path dir) throws IOException, InterruptedException {
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
  Leaf issue(String file, int days, String... names) throws IOException, InterruptedException {
    return issue(file, "ec", days, names);
  }

  /** A renewal: a new certificate (new serial, new dates) for the same key and names. */
  Leaf renew(Leaf leaf, String file, int days) throws IOException, InterruptedException {
    return issue(file, leaf.key(), "", days, leaf.names().toArray(String[]::new));
  }

  /**
   * @param keyType "ec" (P-256) or "rsa" (2048 bits)
   */
  Leaf issue(String file, String keyType, int days, String... names)
      throws IOException, InterruptedException {
    return issue(file, null, keyType, days, names);
  }

  /**
   * An EC leaf whose Authority Information Access names {@code ocsp} as its OCSP responder, with
   * the chain file holding the CA after it (stapling needs the issuer).
   */
  Leaf issueWithResponder(String file, int days, java.net.URI ocsp, String... names)
      throws IOException, InterruptedException {
    extension = "authorityInfoAccess=OCSP;URI:" + ocsp + "\n";
    try {
      Leaf leaf = issue(file, null, "ec", days, names);
      Files.writeString(leaf.chain(), Files.readString(leaf.chain()) + Files.readString(caCert));
      return leaf;
    } finally {
      extension = "";
    }
  }

  private String extension = "";

  private Leaf issue(String file, Path existingKey, String keyType, int days, String... names)
      throws IOException, InterruptedException {
    Path key = existingKey != null ? existingKey : dir.resolve(file + ".key");
    Path csr = dir.resolve(file + ".csr");
    Path cert = dir.resolve(file + ".pem");
    Path ext = dir.resolve(file + ".ext");
    List<String> req = new ArrayList<>(List.of("openssl", "req", "-new", "-nodes"));
    if (existingKey != null) req.addAll(List.of("-key", existingKey.toString()));
    else if (keyType.equals("rsa")) req.addAll(List.of("-newkey", "rsa:2048"));
    else req.addAll(List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"));
    req.addAll(List.of("-out", csr.toString(), "-subj", "/CN=" + names[0]));
    if (existingKey == null) req.addAll(List.of("-keyout", key.toString()));
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

  SSLContext clientContext() throws Exception {
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
   * hostname verification on: it fails unless the router chose a certificate for that name.
   */
  static SSLSocket connect(SSLContext ctx, InetSocketAddress address, String serverName)
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

  static X509Certificate peer(SSLSocket s) throws Exception {
    return (X509Certificate) s.getSession().getPeerCertificates()[0];
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed:\n" + out);
    return out;
  }
}
