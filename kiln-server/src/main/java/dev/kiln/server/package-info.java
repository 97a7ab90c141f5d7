/**
 * The control plane's composition root: journal, state, executor, REST API, and the wiring of the
 * image store, runtimes and router.
 *
 * <h2>State is a projection of the journal</h2>
 *
 * Nothing the server knows lives anywhere but the journal ({@code $KILN_HOME/state.db}). {@link
 * dev.kiln.server.Recorder} appends an entry and only then applies it to {@link
 * dev.kiln.server.ServerState}; on start every entry is replayed. Bodies carry complete records
 * ({@link dev.kiln.server.StateCodec}): {@code blueprint-applied} (services' replicas and
 * strategies, blueprint digest, git commit), {@code revision-created}, {@code rollout-started},
 * {@code rollout-state} (the planner's next state), {@code rollout-intent} (pause, resume, promote,
 * abort), {@code traffic-set}, {@code instance-adopted} (a rollback's warm swap re-labels
 * instances), {@code service-removed}. Other kinds are facts for the audit trail: {@code
 * instance-starting} (with the ids, before the start), {@code instance-stopping} (with the reason),
 * {@code instance-failed}, {@code image-baked}, {@code image-verified}, {@code image-refused},
 * {@code rollback}, {@code server-started} (with the adopted instances), and the planners' events
 * ({@code rollout-succeeded}, {@code rollout-aborted}, {@code instance-replaced}…). The head hash
 * is signed with the host key every 100 entries and on a clean shutdown.
 *
 * <h2>One thread decides</h2>
 *
 * {@link dev.kiln.server.Executor} runs the reconcile loop on one thread, woken by a 200 ms timer,
 * health changes, API intents and the planners' {@code wakeAt}. Each round observes the runtimes
 * ({@code list()}, which is also how a restarted server adopts what runs), builds the route table
 * from the journaled traffic and the healthy instances, and per service calls the rollout planner —
 * or, once a rollout is finished and converged, the healer. Every action and the next rollout state
 * are journaled before any is performed. Starts and traffic changes happen on the loop; a stop
 * takes the instance out of the route on the loop, then drains and stops it on another thread (an
 * instance that ignores SIGTERM would otherwise hold every service for its grace period); while it
 * stops it is invisible to the planners. API reads and intents run on the loop too ({@code
 * Executor.call}), so a response never sees half an update.
 *
 * <h2>Crash safety</h2>
 *
 * The planners are level-triggered: from the last journaled rollout state and whatever fleet is
 * observed they compute what should run and route, so kill -9 at any point converges on restart —
 * instances are adopted (same ids), journaled-but-unstarted ones are started, unjournaled ones are
 * stopped if the phase does not need them. {@code kiln server} runs the router as a process of its
 * own ({@link dev.kiln.server.RouterProcess}, adopted through {@code router/router.json}), so
 * traffic does not notice a control-plane restart; in-process ({@code kiln up}, tests) the router
 * restarts with the last saved table ({@code router/table.json}) and the instances that served
 * before are trusted healthy until probed.
 *
 * <h2>Trust</h2>
 *
 * Only images whose signature verifies against the host key are deployed ({@link
 * dev.kiln.server.StoreImageSource} gates every start, the applier every apply); a refusal is
 * journaled. Secrets come from the server's environment or {@code $KILN_HOME/secrets/NAME} and are
 * passed to the journal's secret guard, never written. Beyond loopback the API requires the bearer
 * token in {@code $KILN_HOME/api-token} (0600); the journal records the token's id, never the
 * token.
 */
package dev.kiln.server;
