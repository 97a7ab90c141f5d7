/**
 * Health checks of running instances: {@code http}, {@code tcp} and {@code exec} probes ({@link
 * dev.kiln.runtime.health.Probes}), the pure threshold logic ({@link
 * dev.kiln.runtime.health.HealthTracker}) and the scheduler that runs them without letting one
 * block another ({@link dev.kiln.runtime.health.HealthMonitor}). Results are data — a phase, a
 * message and a latency — never exceptions. Exec probes go through the driver, and only work where
 * its capabilities say {@code exec}.
 */
package dev.kiln.runtime.health;
