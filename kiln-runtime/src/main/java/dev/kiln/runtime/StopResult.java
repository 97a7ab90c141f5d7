package dev.kiln.runtime;

import java.util.OptionalInt;

/**
 * How a stop ended.
 *
 * @param graceful true when the instance exited on its own within the grace period after the stop
 *     signal; false when it had to be killed (or was already gone)
 */
public record StopResult(InstanceId id, boolean graceful, boolean killed, OptionalInt exitCode) {}
