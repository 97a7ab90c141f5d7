package dev.kiln.server;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * One API request as the listeners hand it over, whatever the transport: already authenticated
 * ({@code principal} is who the socket or the token says the caller is) and with a body already
 * bounded by {@link ApiListeners#MAX_BODY}.
 *
 * @param headers lower-case names
 */
record ApiRequest(
    String method, URI uri, Map<String, String> headers, byte[] body, String principal) {
  ApiRequest {
    headers = Map.copyOf(headers);
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }
}
