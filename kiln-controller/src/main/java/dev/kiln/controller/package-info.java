/**
 * The control plane's decisions, as pure functions — no clock, no randomness, no I/O, no threads.
 *
 * <h2>What decides what</h2>
 *
 * <ul>
 *   <li>{@link dev.kiln.controller.RevisionPlanner}: (blueprint services, image digests, live) → a
 *       {@link dev.kiln.controller.Plan}; {@link dev.kiln.controller.PlanRenderer} prints it like
 *       {@code terraform plan}.
 *   <li>{@link dev.kiln.controller.RolloutPlanner}: (rollout, fleet, traffic, metrics, now, ids) →
 *       a {@link dev.kiln.controller.Decision}: the rollout's next state, actions, and when to call
 *       again.
 *   <li>{@link dev.kiln.controller.Healer}: keeps services that are not rolling out at their
 *       replica count, with backoff.
 *   <li>{@link dev.kiln.controller.RollbackPlanner}: a single swap to a warm fleet, or a
 *       fast-tracked rollout.
 * </ul>
 *
 * The smaller decisions the executor needs are here too, pure: {@link dev.kiln.controller.Orphans}
 * (instances of services no longer applied), {@link dev.kiln.controller.Handoff} (when a finished
 * rollout passes its service to the healer), {@link dev.kiln.controller.StartBackoff} (failed
 * starts and crash loops, paced by the healer's policy) and {@link dev.kiln.controller.RouteChoice}
 * (which revision's route a service is published under). The {@link
 * dev.kiln.controller.RevisionPlanner} numbers new revisions after every one a service ever had.
 *
 * <p>The executor ({@code kiln-server}'s {@code Executor}) calls them, journals every returned
 * action <em>before</em> performing it, performs the actions in order through the runtime and
 * router SPIs, journals the new rollout state, observes again, and calls again — on any observed
 * change, or at {@code wakeAt}.
 *
 * <h2>Invariants the planners keep (and the tests check)</h2>
 *
 * <ol>
 *   <li><b>Determinism.</b> The same inputs give the same decision, ids included: time is the
 *       {@code now} argument and ids come from the injected {@link dev.kiln.controller.IdSource}.
 *       Iteration is over sorted collections only.
 *   <li><b>Revisions are content.</b> Only a change of image digest or of a {@link
 *       dev.kiln.controller.RuntimeConfig} field makes a new revision; a replica change is a scale.
 *       The plan names every field that made a replacement, with secrets by name only.
 *   <li><b>Level-triggered, not edge-triggered.</b> Each reconcile step computes what the fleet and
 *       the route table should be in the current phase and asks only for the difference. So a
 *       decision can be recomputed after a crash from the last journaled rollout state and any
 *       fleet: instances started but never journaled are stopped if the phase does not need them,
 *       journaled instances that never started are started again, nothing is started twice, and
 *       instances of revisions outside the rollout (orphans) are stopped.
 *   <li><b>Replace, don't repair.</b> An exited or persistently unhealthy instance is stopped and a
 *       new one of the same revision started; nothing is ever restarted in place.
 *   <li><b>Traffic only to what can serve it, and never an empty route for a service that can
 *       serve.</b> Weights sum to 100 and go only to revisions with healthy instances; a route
 *       change is one atomic swap ({@link dev.kiln.controller.Action.SetTraffic}) sent only when it
 *       differs from what the router has. An abort returns traffic to the last good revision as
 *       soon as it has a healthy instance and never empties the route table before that; a
 *       superseded rollout's instances keep serving until the new rollout's revisions can; a
 *       blue-green warm fleet is kept while the new fleet cannot serve. When nothing of the service
 *       is healthy the route is kept as it is, not emptied (the router answers 503 and serves again
 *       as soon as a routed instance is healthy). Only an aborted first deploy removes a route. A
 *       finished rollout hands its service to the healer only once it is {@link
 *       dev.kiln.controller.Decision#settled settled}. {@code RolloutInterleavingTest} checks this
 *       for every strategy over random interleavings of fleet events.
 *   <li><b>Capacity.</b> A rolling update never has fewer than {@code replicas - maxUnavailable}
 *       healthy instances nor more than {@code replicas + maxSurge} live ones (crash leftovers
 *       aside, which it stops first); canary and blue-green keep the stable fleet whole until the
 *       new one has taken all the traffic.
 *   <li><b>Intent is data.</b> {@code kiln pause|resume|promote|abort} only record intent on the
 *       {@link dev.kiln.controller.Rollout}; the planner acts on it on its next call. Analysis
 *       results and deadline expiry are conditions with a reason and a message, not exceptions.
 *   <li><b>Deadlines act.</b> A progressing rollout that neither progresses nor waits on purpose
 *       for its progress deadline is aborted.
 * </ol>
 *
 * <h2>Who owns an instance</h2>
 *
 * A service under a rollout belongs to the rollout (both revisions, every instance of the service);
 * a service not under one belongs to the healer. The executor passes the healer only the services
 * that are not rolling out, so the two never both replace the same instance.
 */
package dev.kiln.controller;
