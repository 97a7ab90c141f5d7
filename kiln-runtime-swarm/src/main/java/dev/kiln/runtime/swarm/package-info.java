/**
 * The {@code swarm} runtime: Kiln's instances on a Docker Swarm.
 *
 * <p>The swarm is used as a scheduler, not as an orchestrator. Each instance is its own one-replica
 * service with restart condition {@code none}, so the swarm places it (spreading across nodes) and
 * pulls its image, but never restarts, reschedules or rolls it: those are Kiln's decisions,
 * journaled by Kiln. The driver reads what runs from the manager ({@link
 * dev.kiln.runtime.swarm.TaskReading} is that reading, kept pure), reports each instance at its
 * node's address, and reports a task on a node that is no longer ready as exited, so that the
 * healer replaces it.
 *
 * <p>Stopping parks the service behind a placement constraint no node meets instead of scaling it
 * to zero: scaling down deletes the task, and with it the exit code and the log that Kiln reads
 * after a stop.
 */
package dev.kiln.runtime.swarm;
