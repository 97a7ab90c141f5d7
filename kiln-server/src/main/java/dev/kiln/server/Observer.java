package dev.kiln.server;

import dev.kiln.controller.ObservedInstance;
import dev.kiln.runtime.InstanceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The executor's eyes: lists every runtime once per round and turns what they report into the
 * controller's {@link ObservedInstance}s (revisions as the journal knows them, health as probed).
 * It owns the set of instances being stopped, because what "leaving" means is decided at listing
 * time: stops begin on the loop thread but end on others (see {@link #observe}).
 *
 * <p>The listing itself ({@link #list}) may run on another thread than the loop's, so that the loop
 * (and a rollback waiting for it) does not wait for every runtime to answer; what a listing says is
 * then turned into observations on the loop thread ({@link #observe(Listing)}), and only if no
 * start or stop began since it was taken ({@link #current}).
 */
final class Observer {
  private final ServerState state;
  private final Fleet fleet;
  private final HealthBook health;
  private final LimitKills limitKills;
  private final Moves moves;
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();

  /** Stops begun since the last listing: its instances are leaving, whatever it says. */
  private final Set<String> begunSinceListing = ConcurrentHashMap.newKeySet();

  Observer(ServerState state, Fleet fleet, HealthBook health, LimitKills limitKills, Moves moves) {
    this.state = state;
    this.fleet = fleet;
    this.health = health;
    this.limitKills = limitKills;
    this.moves = moves;
  }

  /**
   * Bumped when the loop begins a start or a stop: a listing taken across one may lie (a start it
   * missed looks like a missing instance, which the planners would start again; a stop begun and
   * ended since looks alive). Exits the runtimes see on their own need no bump: any listing is as
   * of one moment.
   */
  private final AtomicLong generation = new AtomicLong();

  /**
   * What every runtime reported at one moment, and what the loop had begun by then.
   *
   * @param leaving the instances whose stop had begun when the runtimes were listed
   * @param generation {@link #generation} before the listing began
   */
  record Listing(List<Fleet.Running> running, Set<String> leaving, long generation) {
    Listing {
      running = List.copyOf(running);
      leaving = Set.copyOf(leaving);
    }
  }

  /**
   * Lists every runtime. Any thread: the executor lists on a thread of its own and hands the
   * listing to the loop thread, which uses it only while it is {@link #current}.
   */
  Listing list() {
    // In this order: a start or stop begun after the generation is read makes the listing stale,
    // whether or not the listing (or the set of stops, read next) saw it.
    long at = generation.get();
    Set<String> leaving = Set.copyOf(stopping);
    return new Listing(fleet.list(), leaving, at);
  }

  /** Whether no start or stop began since {@code listing} was taken. Loop thread. */
  boolean current(Listing listing) {
    return listing.generation() == generation.get();
  }

  /** Lists every runtime on this (the loop) thread and observes from it. */
  List<Executor.Observed> observe() {
    return observe(list());
  }

  /**
   * What a {@link #current} listing says, as observations. Loop thread (it journals the kills of
   * limits and the moves of instances dead on another host).
   */
  List<Executor.Observed> observe(Listing listing) {
    if (!current(listing))
      throw new IllegalStateException(
          "a start or stop began since this listing was taken: list again");
    // Stops end on other threads. One that ends while (or after) the runtimes are listed leaves its
    // instance in the listing with its health forgotten and no longer in `stopping`: it would look
    // alive, and be routed, healed and stopped again. Stops only begin on the loop thread, and none
    // began since the listing (it is current), so the set from before the listing says which
    // listed instances are leaving.
    Set<String> leaving = listing.leaving();
    begunSinceListing.clear();
    List<Executor.Observed> out = new ArrayList<>();
    for (Fleet.Running r : listing.running()) {
      if (leaving.contains(r.id()) && !stopping.contains(r.id())) continue; // stopped meanwhile
      InstanceStatus s = r.status();
      String id = r.id();
      ObservedInstance o = instance(id, s);
      if (!s.running()) limitKills.observe(Executor.ACTOR, id, o.revision(), s);
      if (!leaving.contains(id))
        moves.observe(o, s, r.runtime()); // dead on another host: moves if replaced
      out.add(new Executor.Observed(r, o, s.spec().port(), leaving.contains(id)));
    }
    return out;
  }

  /**
   * An earlier listing as it stands now without asking any runtime: health as probed now and
   * revisions as the journal says now (a rollback since may have adopted instances); instances
   * whose stop ended since are gone. What the runtimes would report differently (an exit since the
   * listing) waits for the next one. No side effects: nothing is journaled.
   */
  List<Executor.Observed> refresh(List<Executor.Observed> listed) {
    List<Executor.Observed> out = new ArrayList<>();
    for (Executor.Observed o : listed) {
      String id = o.running().id();
      boolean leaving = o.leaving() || begunSinceListing.contains(id);
      if (leaving && !stopping.contains(id)) continue; // stopped meanwhile
      out.add(
          new Executor.Observed(
              o.running(), instance(id, o.running().status()), o.port(), leaving));
    }
    return out;
  }

  private ObservedInstance instance(String id, InstanceStatus s) {
    int revision = state.revisionOf(id, s.spec().revision());
    if (!s.running())
      return new ObservedInstance(
          id, s.spec().service(), revision, ObservedInstance.Phase.EXITED, s.startedAt(), 0);
    HealthBook.Verdict v = health.of(id, s.startedAt());
    return new ObservedInstance(
        id, s.spec().service(), revision, v.phase(), v.since(), v.failures());
  }

  /** Being stopped: out of the route, invisible to the planners, never stopped twice. */
  boolean isLeaving(Executor.Observed o) {
    return o.leaving() || stopping.contains(o.instance().id());
  }

  /** A start is about to begin: listings taken before now may miss it. Loop thread only. */
  void beginStart() {
    generation.incrementAndGet();
  }

  /** Marks {@code id} as stopping; false when its stop has already begun. Loop thread only. */
  boolean beginStop(String id) {
    if (!stopping.add(id)) return false;
    generation.incrementAndGet();
    begunSinceListing.add(id);
    return true;
  }

  /** Its stop has ended (on a stopper thread): the next listing no longer shows it leaving. */
  void endStop(String id) {
    stopping.remove(id);
  }
}
