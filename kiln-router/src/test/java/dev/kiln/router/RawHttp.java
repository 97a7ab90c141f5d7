package dev.kiln.router;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A deliberately dumb HTTP/1.1 client on a raw socket: sends exactly the bytes a test writes. */
final class RawHttp implements AutoCloseable {
  final Socket socket;
  final InputStream in;
  final OutputStream out;

  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null ? null : v.get(0);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Over a socket already connected (a TLS socket, say). */
  static RawHttp over(Socket socket) throws IOException {
    return new RawHttp(socket);
  }

  static RawHttp connect(InetSocketAddress address) throws IOException {
    return new RawHttp(new Socket(address.getAddress(), address.getPort()));
  }

  RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  Response exchange(String request) throws IOException {
    send(request);
    return read();
  }

  /** Reads one response (a 1xx too); the body by Content-Length, chunks, or until close. */
  Response read() throws IOException {
    String status = line();
    if (status == null) throw new IOException("connection closed before a response");
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int colon = l.indexOf(':');
      headers
          .computeIfAbsent(
              l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(l.substring(colon + 1).trim());
    }
    var r = new Response(code, headers, new byte[0]);
    if (code < 200 || code == 204 || code == 304) return r;
    String te = r.header("transfer-encoding");
    String cl = r.header("content-length");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (te != null && te.contains("chunked")) {
      while (true) {
        String size = line();
        if (size == null) throw new IOException("connection closed inside a chunked body");
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          while ((l = line()) != null && !l.isEmpty()) {}
          break;
        }
        body.write(in.readNBytes(n));
        line();
      }
    } else if (cl != null) {
      int n = Integer.parseInt(cl);
      byte[] b = in.readNBytes(n);
      if (b.length < n)
        throw new IOException("connection closed after " + b.length + " of " + n + " bytes");
      body.write(b);
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(code, headers, body.toByteArray());
  }

  /** True when the server closed the connection (EOF) within the socket timeout. */
  boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  static String get(String path, String host, String... headers) {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
    for (String h : headers) sb.append(h).append("\r\n");
    return sb.append("\r\n").toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
