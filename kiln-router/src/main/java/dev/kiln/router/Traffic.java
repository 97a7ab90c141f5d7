package dev.kiln.router;

/**
 * Traffic counted for one service or one backend since the router started (or the backend entered).
 *
 * @param requests responses completed (including the router's own 5xx for the service)
 * @param statuses responses by status class
 * @param inFlight requests started and not yet answered (WebSocket tunnels count until closed)
 * @param latency time from the request head to the last response byte
 */
public record Traffic(long requests, StatusCounts statuses, long inFlight, Latency latency) {}
