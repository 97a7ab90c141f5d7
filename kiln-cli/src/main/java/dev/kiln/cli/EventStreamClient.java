package dev.kiln.cli;

import dev.kiln.api.ApiError;
import dev.kiln.api.JournalEntry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Follows the server's journal stream ({@code GET /v1/events}, server-sent events whose ids are
 * journal sequence numbers) on the unix socket or over TCP, and reconnects by itself: each new
 * connection resumes after the last entry handed on ({@code Last-Event-ID}), so a server restart
 * loses nothing. Runs until interrupted; a refusal the server means (401, 403, 400, 404) ends it.
 */
final class EventStreamClient {
  /** One server-sent event: its id (a journal sequence) and its data (the entry as JSON). */
  record Event(long id, String data) {}

  /** Turns the stream's lines into events (the parts of the SSE format Kiln's server writes). */
  static final class Parser {
    private long id = -1;
    private final StringBuilder data = new StringBuilder();

    /** The event a blank line completes, if any. */
    Optional<Event> line(String line) {
      if (line.isEmpty()) {
        if (data.isEmpty()) return Optional.empty();
        Event e = new Event(id, data.toString());
        data.setLength(0);
        return Optional.of(e);
      }
      if (line.startsWith(":")) return Optional.empty(); // a comment: the heartbeat
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "id" -> id = Long.parseLong(value);
        case "data" -> {
          if (!data.isEmpty()) data.append('\n');
          data.append(value);
        }
        default -> {} // retry, event: nothing to do for a reader that reconnects on its own
      }
      return Optional.empty();
    }
  }

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final ApiClient.Endpoint endpoint;
  private final String query;
  private final Consumer<String> notice;

  /**
   * @param query filters for the stream ({@code &service=web&kind=...}), appended after {@code
   *     since}
   * @param notice where to say that the stream dropped and is being resumed (stderr)
   */
  EventStreamClient(ApiClient.Endpoint endpoint, String query, Consumer<String> notice) {
    this.endpoint = endpoint;
    this.query = query;
    this.notice = notice;
  }

  /**
   * Hands every entry after {@code after} to {@code onEntry}, in order, until interrupted. An event
   * that is not a journal entry (a server of another version) ends the stream with that said.
   */
  void follow(long after, Consumer<JournalEntry> onEntry) {
    long last = after;
    long backoffMillis = 250;
    boolean dropped = false;
    while (!Thread.currentThread().isInterrupted()) {
      try (InputStream in = open(last)) {
        if (dropped) notice.accept("kiln: reconnected; resuming after seq " + last);
        dropped = false;
        backoffMillis = 250;
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Parser parser = new Parser();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Optional<Event> e = parser.line(line);
          if (e.isEmpty()) continue;
          onEntry.accept(
              ApiClient.read(ApiClient.JSON.readTree(e.get().data()), JournalEntry.class));
          last = Math.max(last, e.get().id());
        }
      } catch (ApiClient.ApiException e) {
        if (e.status() != 503) throw e;
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) return;
      }
      if (!dropped)
        notice.accept(
            "kiln: the event stream from "
                + endpoint.display()
                + " ended (server restarting?); reconnecting to resume after seq "
                + last);
      dropped = true;
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
    }
  }

  private String target(long after) {
    return "/v1/events?since=" + after + query;
  }

  /** The body of a 200 answer; a refusal becomes an ApiException with the server's message. */
  private InputStream open(long after) throws IOException {
    if (endpoint.socket().isPresent()) return unix(after);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint.base().resolve(target(after).substring(1)))
            .header("Accept", "text/event-stream")
            .header("X-Kiln-Actor", endpoint.actor())
            .header("Last-Event-ID", Long.toString(after));
    endpoint.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (r.statusCode() != 200) {
      try (InputStream in = r.body()) {
        throw refusal(r.statusCode(), in.readNBytes(64 * 1024));
      }
    }
    return r.body();
  }

  private InputStream unix(long after) throws IOException {
    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(endpoint.socket().get()));
    try {
      String head =
          "GET "
              + target(after)
              + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nX-Kiln-Actor: "
              + endpoint.actor()
              + "\r\nLast-Event-ID: "
              + after
              + "\r\n\r\n";
      Channels.newOutputStream(ch).write(head.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch));
      String status = line(in);
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
        throw new IOException("not an HTTP response: " + status);
      int code = Integer.parseInt(parts[1]);
      long length = -1;
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        if (h.toLowerCase(Locale.ROOT).startsWith("content-length:"))
          length = Long.parseLong(h.substring(15).strip());
      }
      if (code != 200)
        throw refusal(code, in.readNBytes((int) Math.min(length < 0 ? 65536 : length, 65536)));
      return in;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static ApiClient.ApiException refusal(int status, byte[] body) {
    return new ApiClient.ApiException(
        status,
        ApiClient.error(body)
            .map(ApiError::error)
            .orElse("the server refused the event stream: HTTP " + status));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (b.size() > 16384) throw new IOException("response header line too long");
      b.write(c);
    }
    if (c == -1) throw new IOException("the server closed the connection");
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
