package dev.kiln.controller;

/**
 * Where new instance ids come from. Injected so that decisions are reproducible in tests; the
 * executor journals the ids of a start before it performs it, which is how a restarted controller
 * recognises instances it started before a crash.
 */
@FunctionalInterface
public interface IdSource {
  String newInstanceId(String service, int revision);
}
