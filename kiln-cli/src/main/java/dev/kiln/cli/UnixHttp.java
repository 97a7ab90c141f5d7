package dev.kiln.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;

/**
 * Just enough HTTP/1.1 for the server's unix socket ({@code $KILN_HOME/api.sock}), which the JDK's
 * HTTP client cannot dial: one request per connection ({@code Connection: close}), a response with
 * a Content-Length or read to the end. The server is Kiln's own, so nothing more is needed.
 */
final class UnixHttp {
  /** The connection could not be made at all (no socket, refused, not ours). */
  static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  record Response(int status, byte[] body) {}

  private static final int MAX_RESPONSE = 512 * 1024 * 1024;

  private UnixHttp() {}

  static Response exchange(
      Path socket,
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      Duration timeout)
      throws IOException {
    SocketChannel ch;
    try {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new Unreachable(String.valueOf(e.getMessage()), e);
    }
    // Blocking channels have no read timeout: closing the channel ends a stuck read.
    Timer watchdog = new Timer("kiln-api-timeout", true);
    watchdog.schedule(
        new TimerTask() {
          @Override
          public void run() {
            try {
              ch.close();
            } catch (IOException e) {
              // closing is all we wanted
            }
          }
        },
        timeout.toMillis());
    try (ch) {
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: localhost\r\nConnection: close\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (body.length > 0 || !method.equals("GET"))
        head.append("Content-Length: ").append(body.length).append("\r\n");
      head.append("\r\n");
      var out = Channels.newOutputStream(ch);
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(new java.io.BufferedInputStream(Channels.newInputStream(ch)));
    } finally {
      watchdog.cancel();
    }
  }

  private static Response read(InputStream in) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
      throw new IOException("not an HTTP response: " + status);
    int code = Integer.parseInt(parts[1]);
    long length = -1;
    boolean chunked = false;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon <= 0) continue;
      String name = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).strip();
      if (name.equals("content-length")) length = Long.parseLong(value);
      if (name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked")) chunked = true;
    }
    if (chunked) throw new IOException("chunked responses are not expected from the Kiln API");
    if (length > MAX_RESPONSE) throw new IOException("response too large: " + length + " bytes");
    byte[] body = length >= 0 ? in.readNBytes((int) length) : in.readNBytes(MAX_RESPONSE);
    if (length >= 0 && body.length < length)
      throw new IOException("the server closed the connection mid-response");
    return new Response(code, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (b.size() > 16384) throw new IOException("response header line too long");
      b.write(c);
    }
    if (c == -1 && b.size() == 0) throw new IOException("the server closed the connection");
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
