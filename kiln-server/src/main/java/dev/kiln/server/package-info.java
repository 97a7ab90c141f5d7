/**
 * The control plane's composition root: journal, state, executor, REST API, and the wiring of the
 * image store, runtimes and router.
 *
 * <h2>State is a projection of the journal</h2>
 *
 * Nothing the server knows lives anywhere but the journal ({@code $KILN_HOME/state.db}). Every
 * entry is a {@link dev.kiln.server.JournalEvent}, a sealed family with one record per kind (the
 * kind strings are hyphenated and stable: {@code blueprint-applied}, {@code rollout-state}, {@code
 * traffic-set}…). {@link dev.kiln.server.Recorder#append} is the only writer: it encodes the event
 * with {@link dev.kiln.server.EventCodec} (fixed field order, {@code "v": 2}; bodies without {@code
 * v} are the untyped v1 bodies, still read — {@code src/test/resources/journal-v1} holds one such
 * journal), appends it, and only then applies it to {@link dev.kiln.server.ServerState}, whose
 * {@code apply} switches over the family without a {@code default}: a new kind that changes no
 * state must say so. On start every entry is replayed. The events that carry state are {@code
 * blueprint-applied} (strategies, deadlines), {@code revision-created}, {@code rollout-started},
 * {@code rollout-state} (the planner's next state, or a scale), {@code rollout-intent}, {@code
 * traffic-set}, {@code instance-adopted}, {@code service-removed}; a service's replica count is its
 * rollout's. The rest are facts for the audit trail. The head hash is signed with the host key
 * every 100 entries and on a clean shutdown.
 *
 * <h2>One thread decides</h2>
 *
 * {@link dev.kiln.server.Executor} runs the reconcile loop on one thread, woken by a 200 ms timer,
 * health changes, API intents and the planners' {@code wakeAt}. It decides nothing itself: each
 * round observes the runtimes once ({@code list()}, which is also how a restarted server adopts
 * what runs), then hands what it saw to the controller's pure functions — {@code Orphans}
 * (instances of services no longer applied), the rollout planner, {@code Handoff} (when a finished
 * rollout passes its service to the healer), the healer, {@code StartBackoff} (the healer's policy,
 * for failed starts and crash loops) and {@code RouteChoice} — and performs each resulting action
 * from its own data ({@code SetTraffic} publishes the traffic it carries). Every action and the
 * next rollout state are journaled before any is performed. A stop takes the instance out of the
 * route on the loop, then drains and stops it on another thread (an instance that ignores SIGTERM
 * would otherwise hold every service for its grace period); while it stops it is invisible to the
 * planners. Actions decided elsewhere (a rollback's warm swap, {@code kiln up}'s stop) are handed
 * to {@code Executor.act}. API reads and intents run on the loop too ({@code Executor.call}) and
 * read the last round's observation, so a response never sees half an update. The executor keeps
 * only the thread and the order of a tick; {@code Observer}, {@code ActionPerformer}, {@code
 * RoutePublisher}, {@code StartPacing}, {@code Healing}, {@code Autoscaling} and {@code DriftWatch}
 * are its parts, each called on the loop thread.
 *
 * <h2>Auto-scaling</h2>
 *
 * For a service with {@code autoscale:}, each round also takes a sample ({@link
 * dev.kiln.server.Autoscaler}: the router's in-flight requests, request rate and p99 for the
 * service, the instances' CPU time) and asks the controller's {@code Scaler}. A new count is a
 * {@code service-scaled} entry (inputs and rule) and becomes the healer's target for the live
 * revision — never a new revision or a plan change; during a rollout it raises the rollout's count,
 * so the planner splits it by weight, and it never lowers one. A service with {@code min: 0} is
 * routed with a {@code Hold}: at zero the router holds its requests and pushes a wake ({@code
 * Router.onWake} in-process, the router process's {@code GET /wakes} long poll otherwise); the
 * round it triggers starts an instance whose health is probed every 10 ms, and the table that
 * brings it forwards the held requests.
 *
 * <h2>Environments</h2>
 *
 * A blueprint with {@code environments:} is applied one environment at a time ({@link
 * dev.kiln.server.Environments}): its services become {@code ENV--SERVICE} with that environment's
 * overrides, so revisions, rollouts, instances and journal subjects stay keyed by one string and
 * the planners never learn about environments; an apply plans only against its environment's
 * services. {@link dev.kiln.server.EnvironmentRouters} splits the one published table by that
 * prefix onto each environment's own router listener. {@link dev.kiln.server.Promotions} gathers
 * the source's facts (journal, signature, last observation) for the controller's {@code
 * PromotionDecision} and journals {@code env-promoted} or {@code promotion-refused} before anything
 * moves.
 *
 * <h2>Errors</h2>
 *
 * Domain code throws what happened — {@link dev.kiln.server.ServerException.NotFound}, {@code
 * Conflict}, {@code dev.kiln.runtime.ImageRefusedException}, {@code
 * dev.kiln.controller.ControllerException} — and only {@link dev.kiln.server.ErrorStatus}, at the
 * API's edge, turns them into HTTP statuses. An image refused at instance start aborts its rollout
 * at once: no retry can make a signature verify.
 *
 * <h2>Crash safety</h2>
 *
 * The planners are level-triggered: from the last journaled rollout state and whatever fleet is
 * observed they compute what should run and route, so kill -9 at any point converges on restart —
 * instances are adopted (same ids); instances journaled but never started are not reused (the
 * planner starts new ids for what is missing), and ones the phase does not need are stopped. {@code
 * kiln server} runs the router as a process of its own ({@link dev.kiln.server.RouterProcess},
 * adopted through {@code router/router.json}), so traffic does not notice a control-plane restart;
 * in-process ({@code kiln up}, tests) the router restarts with the last saved table ({@code
 * router/table.json}) and the instances that served before are trusted healthy until probed.
 *
 * <h2>Webhooks</h2>
 *
 * The blueprint's {@code notify:} becomes a {@code notify-configured} entry at apply ({@link
 * dev.kiln.server.WebhookConfig}, only when the set changes). {@link dev.kiln.server.Notifier}
 * tails the journal on a thread of its own, POSTs each matching entry signed ({@link
 * dev.kiln.server.WebhookRequest}), retries as the controller's {@code DeliveryRetry} decides and
 * journals the outcome through the loop ({@code notify-delivered}, {@code notify-failed}). The
 * journal is its queue: after a restart it delivers what no outcome entry names (docs/notify.md).
 *
 * <h2>The dashboard and the event stream</h2>
 *
 * {@link dev.kiln.server.Dashboard} serves the page ({@code /ui}, three files from this jar), its
 * one-time-code login ({@link dev.kiln.server.UiSessions}: a session cookie, hashed at rest), the
 * charts' per-revision series ({@link dev.kiln.server.MetricsHistory}, sampled from the router
 * every 2 s) and {@code GET /v1/events}: the journal as server-sent events keyed by sequence,
 * written by {@link dev.kiln.server.EventStreams} on one thread that the {@link
 * dev.kiln.server.Recorder} notifies on each append, so a client that reconnects with its last
 * sequence misses nothing. What the cookie may open on the TCP listener, and the CSRF rule for its
 * actions, is {@link dev.kiln.server.WebGate}'s decision. See {@code docs/dashboard.md}.
 *
 * <h2>Trust</h2>
 *
 * Only images whose signature verifies against the host key are deployed ({@link
 * dev.kiln.server.StoreImageSource} gates every start, the applier every apply); a refusal is
 * journaled. Health probes go through the runtime that runs each instance ({@link
 * dev.kiln.server.RuntimeProbes}), so an {@code exec:} check runs inside a Docker container too.
 * Secrets come from the server's environment or {@code $KILN_HOME/secrets/NAME} and are passed to
 * the journal's secret guard, never written. Beyond loopback the API requires the bearer token in
 * {@code $KILN_HOME/api-token} (0600); the journal records the token's id, never the token.
 */
package dev.kiln.server;
