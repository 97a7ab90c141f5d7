package dev.kiln.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A bare server-sent-events reader over one TCP connection, for the stream's tests. */
final class SseClient implements AutoCloseable {
  record Event(long id, String data) {}

  private final Socket socket;
  private final BufferedReader in;
  final int status;
  final List<String> head = new ArrayList<>();

  SseClient(String hostPort, String target, Map<String, String> headers) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    socket =
        new Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    socket.setSoTimeout(30_000); // a stuck stream fails the test instead of hanging it
    StringBuilder req = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: kiln\r\n");
    headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    req.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    String statusLine = in.readLine();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) head.add(h);
  }

  /** The next event, skipping comments and fields without data; empty when the stream ends. */
  Optional<Event> next() throws IOException {
    long id = -1;
    StringBuilder data = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) {
        if (data.length() > 0) return Optional.of(new Event(id, data.toString()));
        continue;
      }
      if (line.startsWith("id: ")) id = Long.parseLong(line.substring(4));
      else if (line.startsWith("data: ")) {
        if (data.length() > 0) data.append('\n');
        data.append(line.substring(6));
      }
    }
    return Optional.empty();
  }

  /** The next {@code n} events' ids. */
  List<Long> ids(int n) throws IOException {
    List<Long> out = new ArrayList<>();
    while (out.size() < n) out.add(next().orElseThrow(() -> new IOException("stream ended")).id());
    return out;
  }

  /** Everything up to the stream's end, raw (to see it end). */
  String rest() throws IOException {
    StringBuilder b = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine())
      b.append(line).append('\n');
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
