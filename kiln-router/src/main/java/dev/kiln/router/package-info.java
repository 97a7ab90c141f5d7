/**
 * Kiln's router: the data plane. An HTTP/1.1 reverse proxy on Netty that serves one immutable
 * {@link dev.kiln.router.RouteTable} at a time and changes tables without dropping a request.
 *
 * <h2>Why the router owns this</h2>
 *
 * Most requests lost during a deploy are lost by a load balancer that learns too late that an
 * instance is going away. Kiln's controller tells its own router first, waits for the drain, and
 * only then stops the instance. The router depends on nothing but the model: if the controller
 * stalls, it keeps serving the last table it was given.
 *
 * <h2>Using it</h2>
 *
 * <pre>{@code
 * Router router = Router.start(RouterConfig.defaults(), RouteTable.empty());   // 127.0.0.1:8080
 * var web = new ServiceRoute("web", new Route("*", "/"),
 *     List.of(new Backend("web-7a", "7", addr7a, 9), new Backend("web-8a", "8", addr8a, 1)),
 *     Split.sticky());                                  // 10 % canary, sticky by cookie
 * router.swap(new RouteTable(2, List.of(web)))          // atomic
 *     .thenAccept(report -> stopInstances(report.drained()));   // after the drain
 * router.metrics().service("web");                      // canary analysis, autoscaling
 * router.prometheus();                                  // text for /metrics
 * }</pre>
 *
 * <h2>The swap</h2>
 *
 * {@link dev.kiln.router.Router#swap} compiles the new table (hash maps and arrays, once) and
 * publishes it with one reference write. A request reads the reference once, when its head arrives,
 * and routes by that table only: it sees the old table or the new one, never a mix. A backend that
 * is in both tables (same service, id and address) keeps its live state — in-flight count,
 * ejection, metrics — so a weight change is not a drain. A backend enters a table only when the
 * control plane has seen it healthy; the router never health-checks on its own, it only ejects
 * passively (below).
 *
 * <h2>The drain protocol</h2>
 *
 * Each backend has an in-flight counter and a {@code retired} flag. The requester increments the
 * counter, <em>then</em> reads the flag; the swapper sets the flag, <em>then</em> reads the
 * counter. Both are volatile, so in every interleaving at least one of them sees the other: either
 * the requester sees {@code retired} and backs off (decrement, pick again from the new table), or
 * the swapper sees the increment and waits for it. The decrement that brings a retired backend to
 * zero completes its drain future. This closes the one race a reference swap leaves open — a
 * request that read the old table a moment before the swap.
 *
 * <p>The future returned by {@code swap} completes when all leaving backends are drained, or at
 * {@link dev.kiln.router.RouterConfig#drainTimeout()}: then the connections of those still busy are
 * closed (their clients see a 502 or a cut response; WebSocket tunnels count as in flight until
 * closed) and the {@link dev.kiln.router.DrainReport} lists them. Either way, idle pooled
 * connections to the leaving backends are closed on every event loop. Only after the future
 * completes should the controller stop the instance.
 *
 * <h2>Failure handling</h2>
 *
 * A connect failure counts against the backend; {@code ejectionThreshold} consecutive failures
 * eject it for {@code ejectionDuration} (by the injected {@link dev.kiln.router.Ticker}), after
 * which one more failure ejects it again. An idempotent request whose connection fails before any
 * byte was sent — a refused connect, or a pooled connection the backend had already closed — is
 * retried on another backend, up to {@code maxAttempts} backends. Anything else becomes a short
 * 502/503/504 naming the service and the reason, or, once response bytes have reached the client, a
 * closed client connection.
 *
 * <h2>gRPC and OCSP</h2>
 *
 * A gRPC request goes to its backend as a stream of a pooled h2c connection ({@link
 * dev.kiln.router.GrpcUpstream}) whose pipeline ends in the same upstream handler as an HTTP/1.1
 * connection, so everything above applies to it unchanged; only HTTP/2 carries its trailers. OCSP
 * answers are fetched on a thread of their own ({@code OcspStapling}) and only read when SNI picks
 * a certificate: a handshake never waits for a responder.
 *
 * <h2>Threads</h2>
 *
 * A client connection and every backend connection it uses live on one event loop; pools are per
 * loop. Nothing on the request path takes a lock; counters are atomics shared across loops.
 */
package dev.kiln.router;
