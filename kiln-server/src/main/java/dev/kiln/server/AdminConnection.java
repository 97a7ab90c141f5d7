package dev.kiln.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One kept-alive HTTP/1.1 connection to the router's loopback admin endpoint, for the table swap.
 *
 * <p>Why not the JDK HttpClient: each of its sends hops between its selector thread and the caller,
 * which cost 8–21 ms per table POST on a busy machine, against well under a millisecond for a write
 * and a read on a socket that is already open. A rollback's time is mostly this POST.
 *
 * <p>Not thread-safe: the caller serializes (publish is synchronized). A connection the router
 * closed while idle is noticed when the first response byte never comes, and the request is sent
 * once more on a new connection: the router closed it before reading the request, so it did not act
 * on it.
 */
final class AdminConnection implements AutoCloseable {
  /** The status and body of one answer. */
  record Reply(int status, String body) {}

  private static final int MAX_BODY = 64 * 1024 * 1024;
  private final int port;
  private final String authorization;
  private final Duration timeout;
  private @Nullable Socket socket;
  private @Nullable InputStream in;
  private @Nullable OutputStream out;

  AdminConnection(int port, String authorization, Duration timeout) {
    this.port = port;
    this.authorization = authorization;
    this.timeout = timeout;
  }

  /** Whether this talks to the router at {@code port} with {@code authorization}. */
  boolean reaches(int port, String authorization) {
    return this.port == port && this.authorization.equals(authorization);
  }

  /**
   * POSTs {@code body} (JSON) to {@code path}; throws IOException when the router does not answer.
   */
  Reply post(String path, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + port
            + "\r\nAuthorization: "
            + authorization
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + b.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[h.length + b.length];
    System.arraycopy(h, 0, request, 0, h.length);
    System.arraycopy(b, 0, request, h.length, b.length);
    boolean reused = socket != null;
    try {
      return exchange(request);
    } catch (StaleConnection e) {
      close();
      if (!reused) throw new IOException("the router closed the connection without answering");
      return exchange(request);
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private Reply exchange(byte[] request) throws IOException {
    if (socket == null) open();
    int first;
    try {
      out().write(request);
      out().flush();
      first = in().read();
    } catch (java.net.SocketTimeoutException e) {
      throw e;
    } catch (java.net.SocketException e) {
      // "Connection reset" / "Broken pipe" before any answer: the idle connection was closed
      throw new StaleConnection();
    }
    if (first < 0) throw new StaleConnection();
    return readReply(first);
  }

  private void open() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true); // one write per request: never wait for a delayed ACK
      s.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
          (int) Math.min(timeout.toMillis(), 2000));
      s.setSoTimeout((int) timeout.toMillis());
    } catch (IOException e) {
      s.close();
      throw e;
    }
    socket = s;
    in = new BufferedInputStream(s.getInputStream());
    out = s.getOutputStream();
  }

  private InputStream in() {
    InputStream i = in;
    if (i == null) throw new IllegalStateException("not connected");
    return i;
  }

  private OutputStream out() {
    OutputStream o = out;
    if (o == null) throw new IllegalStateException("not connected");
    return o;
  }

  private Reply readReply(int first) throws IOException {
    String status = (char) first + line();
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
      throw new IOException("not an HTTP answer from the router: " + status);
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status from the router: " + status);
    }
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = false;
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      if (colon < 0) continue;
      String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = l.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> closeAfter = value.equalsIgnoreCase("close");
        default -> {}
      }
    }
    byte[] body;
    if (chunked) body = chunkedBody();
    else if (length >= 0) body = exactly(length);
    else {
      body = in().readAllBytes(); // no length: the body ends with the connection
      closeAfter = true;
    }
    if (closeAfter) close();
    return new Reply(code, new String(body, StandardCharsets.UTF_8));
  }

  private byte[] chunkedBody() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      String size = line();
      int semi = size.indexOf(';');
      long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        while (!line().isEmpty()) {} // trailers
        return b.toByteArray();
      }
      if (b.size() + n > MAX_BODY) throw new IOException("router answer larger than 64 MiB");
      b.write(exactly(n));
      line();
    }
  }

  private byte[] exactly(long n) throws IOException {
    if (n > MAX_BODY) throw new IOException("router answer larger than 64 MiB");
    byte[] b = in().readNBytes((int) n);
    if (b.length < n) throw new EOFException("the router's answer ended early");
    return b;
  }

  private String line() throws IOException {
    StringBuilder s = new StringBuilder();
    for (int c = in().read(); c != '\n'; c = in().read()) {
      if (c < 0) throw new EOFException("the router's answer ended early");
      if (c != '\r') s.append((char) c);
      if (s.length() > 8192) throw new IOException("router answer header line too long");
    }
    return s.toString();
  }

  @Override
  public void close() {
    Socket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing a loopback socket we no longer use: nothing to do
      }
    }
  }

  /** The connection was closed before any answer came: safe to send again on a new one. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnection() {
      super("stale connection");
    }
  }
}
