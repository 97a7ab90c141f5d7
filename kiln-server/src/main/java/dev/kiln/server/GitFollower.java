package dev.kiln.server;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.controller.Rollout;
import dev.kiln.gitops.AllowedSigners;
import dev.kiln.gitops.CommitSignatures;
import dev.kiln.gitops.GitMirror;
import dev.kiln.gitops.GpgKeys;
import dev.kiln.gitops.RangeCheck;
import dev.kiln.gitops.SignatureVerdict;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.BakeResult;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.KilnException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code kiln server --git}: follows one branch. On a new head (polled every {@code
 * --git-interval}, or at once on {@code POST /v1/hooks/git}) it fetches into {@code
 * $KILN_HOME/git/mirror.git}, checks that every commit since the last applied one is signed by an
 * allowed signer (with {@code --allowed-signers}), then {@link #applyCommit applies the commit}:
 * exports its files, bakes what changed, and applies the blueprint through the same {@link Applier}
 * as {@code kiln apply}. The outcome is journaled: {@code git-applied} once the rollouts finished,
 * else {@code git-refused} naming the offending commit; the fleet stays on the last good commit.
 *
 * <p>One thread does all of it, so checks never overlap; webhook calls while one runs make one more
 * check after it.
 */
public final class GitFollower implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GitFollower.class.getName());
  private static final long MAX_BLUEPRINT_BYTES = 3L * 1024 * 1024;

  /** How long a rollout may take to serve before the commit counts as failed. */
  static final Duration ROLLOUT_WAIT = Duration.ofHours(1);

  private final ControlPlane cp;
  private final GitOptions options;
  private final GitMirror mirror;
  private final Optional<CommitSignatures> signatures;
  private final ScheduledExecutorService thread;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile Optional<String> applying = Optional.empty();

  private GitFollower(ControlPlane cp, GitOptions options) {
    this.cp = cp;
    this.options = options;
    this.signatures = signatures(options);
    this.mirror =
        GitMirror.open(cp.home().resolve("git/mirror.git"), options.source(), options.branch());
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kiln-git");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Refuses, before the server starts, what would stop the follower later: an allowed signers file
   * that cannot be read or has a line Kiln cannot honour (named by file:line).
   */
  public static void preflight(GitOptions options) {
    signatures(options);
  }

  /** The signature check the options ask for: SSH signers, OpenPGP keys, or both; else none. */
  private static Optional<CommitSignatures> signatures(GitOptions options) {
    if (!options.signaturesRequired()) return Optional.empty();
    return Optional.of(
        new CommitSignatures(
            options.allowedSigners().map(AllowedSigners::load),
            options.allowedGpgKeys().map(GpgKeys::load)));
  }

  /** Starts following: a first check now, then one every interval. */
  public static GitFollower start(ControlPlane cp, GitOptions options) {
    GitFollower f = new GitFollower(cp, options);
    cp.git = Optional.of(f);
    long every = options.interval().toMillis();
    f.thread.scheduleWithFixedDelay(() -> f.checkQuietly("poll"), 0, every, TimeUnit.MILLISECONDS);
    LOG.info(
        "following "
            + options.source()
            + " branch "
            + options.branch()
            + " path "
            + options.path()
            + " every "
            + options.interval()
            + (options.signaturesRequired()
                ? ", every commit signed by a key in "
                    + java.util.stream.Stream.of(options.allowedSigners(), options.allowedGpgKeys())
                        .flatMap(Optional::stream)
                        .map(Path::toString)
                        .collect(java.util.stream.Collectors.joining(" or "))
                : ""));
    return f;
  }

  /** The webhook: a check as soon as the thread is free (calls meanwhile make one check). */
  public void trigger() {
    if (pending.compareAndSet(false, true)) {
      thread.execute(
          () -> {
            pending.set(false);
            checkQuietly("webhook");
          });
    }
  }

  /** The commit being applied right now, if any (status says "applying"). */
  Optional<String> applying() {
    return applying;
  }

  GitOptions options() {
    return options;
  }

  private void checkQuietly(String trigger) {
    try {
      check(trigger);
    } catch (RuntimeException e) {
      if (thread.isShutdown()) return; // closing: the check was interrupted on purpose
      // a fetch that failed (network, a repository moved): the next poll tries again
      LOG.log(Level.WARNING, "git check (" + trigger + "): " + e.getMessage(), e);
    }
  }

  /** Fetches the branch and, if its head is new, judges and applies it. */
  void check(String trigger) {
    long started = System.nanoTime();
    String head = mirror.fetch();
    GitState git = cp.executor.call(() -> cp.state.git());
    Optional<String> last =
        cp.executor.call(() -> git.applied().map(JournalEvent.GitApplied::commit));
    if (last.equals(Optional.of(head))) {
      driftCheck(trigger);
      return;
    }
    Optional<JournalEvent.GitRefused> refused = cp.executor.call(git::refused);
    if (refused.isPresent() && refused.get().head().equals(head)) return; // judged already
    if (last.isPresent() && !mirror.isAncestor(last.get(), head)) {
      refuse(
          head,
          head,
          RangeCheck.Reason.NOT_FAST_FORWARD,
          "the branch "
              + options.branch()
              + " was rewritten: the applied commit "
              + last.get()
              + " is not in the history of "
              + head
              + "; Kiln only follows fast-forwards (push a commit on top instead)");
      return;
    }
    List<GitMirror.Commit> range = mirror.range(last, head);
    Optional<String> signer = Optional.empty();
    if (signatures.isPresent()) {
      List<RangeCheck.Checked> checked =
          range.stream()
              .map(
                  c ->
                      new RangeCheck.Checked(
                          c.sha(), c.author(), signatures.get().verify(c.raw(), c.committedAt())))
              .toList();
      Optional<RangeCheck.Refusal> refusal = RangeCheck.decide(checked);
      if (refusal.isPresent()) {
        refuse(refusal.get().commit(), head, refusal.get().reason(), refusal.get().error());
        return;
      }
      SignatureVerdict v = checked.get(checked.size() - 1).verdict();
      if (v instanceof SignatureVerdict.Signed s)
        signer = Optional.of(s.principals() + " " + s.fingerprint());
    }
    LOG.fine(
        () ->
            "git: fetched and checked "
                + range.size()
                + " commit(s) in "
                + (System.nanoTime() - started) / 1_000_000
                + " ms");
    applyCommit(mirror.commit(head), signer, trigger);
  }

  /**
   * Applies the blueprint at {@code --path} in {@code commit} through the same path as {@code kiln
   * apply}: export the commit's files, bake the images whose inputs changed, apply, await the
   * rollouts, in each of the blueprint's environments where it has them. Journals {@code
   * git-applied} or {@code git-refused}; returns which.
   */
  JournalEvent applyCommit(GitMirror.Commit commit, Optional<String> signer, String trigger) {
    String sha = commit.sha();
    applying = Optional.of(sha);
    Path work = cp.home().resolve("git/work");
    long t0 = System.nanoTime();
    try {
      mirror.exportAtomically(sha, work);
      Path file = work.resolve(options.path()).normalize();
      String text;
      Blueprint bp;
      try {
        text =
            new String(
                mirror
                    .read(sha, options.path(), MAX_BLUEPRINT_BYTES)
                    .orElseThrow(
                        () ->
                            new KilnException(
                                options.path()
                                    + ": no such file in commit "
                                    + sha
                                    + " (--path is relative to the repository's root)")),
                StandardCharsets.UTF_8);
        bp = BlueprintParser.parse(file, text);
      } catch (KilnException e) {
        return refuse(sha, sha, RangeCheck.Reason.INVALID_BLUEPRINT, located(e, work));
      }
      Map<String, Digest> images;
      try {
        images = bake(bp, sha);
      } catch (KilnException e) {
        return refuse(sha, sha, RangeCheck.Reason.BAKE_FAILED, located(e, work));
      }
      List<Rollout> started = new java.util.ArrayList<>();
      Submission submission =
          new Submission(text, Path.of(options.path()), images, Optional.of(sha));
      for (Optional<String> env : environmentsInOrder(bp)) {
        try {
          started.addAll(cp.applyTo(submission, actor(), env).rollouts());
        } catch (dev.kiln.controller.PromotionRefusedException e) {
          // an environment behind promotion: waits for `kiln env promote` (journaled as
          // promotion-refused); the commit is still applied where it may run
          LOG.info(
              "git: "
                  + sha.substring(0, 12)
                  + " not applied to "
                  + env.get()
                  + ": "
                  + e.getMessage());
        } catch (KilnException e) {
          return refuse(sha, sha, RangeCheck.Reason.INVALID_BLUEPRINT, located(e, work));
        }
      }
      long t1 = System.nanoTime();
      Optional<String> failed = awaitRollouts(started);
      if (failed.isPresent())
        return refuse(sha, sha, RangeCheck.Reason.ROLLOUT_FAILED, failed.get());
      JournalEvent.GitApplied done =
          new JournalEvent.GitApplied(
              sha,
              options.branch(),
              commit.author(),
              signer,
              options.path(),
              bp.digest(),
              revisions(bp),
              trigger);
      cp.executor.call(
          () -> cp.rec.append(actor(), "git: " + sha.substring(0, 12) + " serving", done));
      LOG.info(
          "git: applied "
              + sha
              + " ("
              + trigger
              + "): exported, baked and planned in "
              + (t1 - t0) / 1_000_000
              + " ms, rolled out in "
              + (System.nanoTime() - t1) / 1_000_000
              + " ms");
      return done;
    } finally {
      applying = Optional.empty();
      dev.kiln.oci.Trees.deleteQuietly(work);
    }
  }

  /**
   * Where a commit is applied: the default environment, or each of the blueprint's environments, an
   * environment after the one it is promoted from (so staging runs a digest before production is
   * asked to).
   */
  static List<Optional<String>> environmentsInOrder(Blueprint bp) {
    if (bp.environments().isEmpty()) return List.of(Optional.empty());
    List<Optional<String>> out = new java.util.ArrayList<>();
    java.util.Set<String> placed = new java.util.HashSet<>();
    List<dev.kiln.model.Environment> left = new java.util.ArrayList<>(bp.environments().values());
    while (!left.isEmpty()) {
      int before = left.size();
      for (var it = left.iterator(); it.hasNext(); ) {
        dev.kiln.model.Environment e = it.next();
        if (e.promotion().map(p -> placed.contains(p.from())).orElse(true)) {
          out.add(Optional.of(e.name()));
          placed.add(e.name());
          it.remove();
        }
      }
      if (left.size() == before) { // a cycle the parser refuses; never loop
        left.forEach(e -> out.add(Optional.of(e.name())));
        break;
      }
    }
    return out;
  }

  /** The images the services use, baked where their recipes are (cached per step). */
  private Map<String, Digest> bake(Blueprint bp, String sha) {
    TreeSet<String> used = new TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    List<String> recipes = used.stream().filter(u -> bp.image(u).isPresent()).toList();
    Map<String, Digest> out = new TreeMap<>();
    if (recipes.isEmpty()) return out;
    ImageStore store = ImageStore.open(cp.home().resolve("images"));
    Map<String, Digest> before = new TreeMap<>();
    recipes.forEach(n -> store.resolve(n).ifPresent(d -> before.put(n, d.digest())));
    BakeResult baked =
        new Baker(
                store,
                cp.home().resolve("cache"),
                BakeOptions.defaults().withKeysDir(Optional.of(cp.home().resolve("keys"))))
            .bake(bp, recipes);
    for (BakeResult.BakedImage i : baked.images()) {
      Digest now = i.manifest().digest();
      out.put(i.name(), now);
      if (!now.equals(before.get(i.name())))
        cp.executor.call(
            () ->
                cp.rec.append(
                    actor(),
                    "git: baked for " + sha.substring(0, 12),
                    new JournalEvent.ImageBaked(i.name(), now, options.path() + "@" + sha)));
    }
    return out;
  }

  /**
   * Waits until each started rollout serves its new revision (succeeded, or blue-green scaling the
   * old fleet down) or was aborted; the abort's reason is the failure.
   */
  private Optional<String> awaitRollouts(List<Rollout> started) {
    Instant until = cp.config.clock().instant().plus(ROLLOUT_WAIT);
    for (Rollout r : started) {
      while (true) {
        Optional<Rollout> now = cp.executor.call(() -> cp.state.rollout(r.service()));
        if (now.isEmpty() || now.get().to() != r.to()) break; // superseded or removed
        Rollout.Phase p = now.get().phase();
        if (p == Rollout.Phase.SUCCEEDED || p == Rollout.Phase.SCALING_DOWN) break;
        if (p == Rollout.Phase.ABORTED)
          return Optional.of(
              "service "
                  + r.service()
                  + ": the rollout to revision "
                  + r.to()
                  + " was aborted ("
                  + now.get().conditions().stream()
                      .filter(c -> c.status())
                      .map(c -> c.reason() + ": " + c.message())
                      .findFirst()
                      .orElse("no reason recorded")
                  + "); revision "
                  + now.get().from()
                  + " serves on");
        if (cp.config.clock().instant().isAfter(until))
          return Optional.of("service " + r.service() + ": still " + p + " after " + ROLLOUT_WAIT);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.of("interrupted while waiting for " + r.service());
        }
      }
    }
    return Optional.empty();
  }

  private TreeMap<String, Integer> revisions(Blueprint bp) {
    return cp.executor.call(
        () -> {
          TreeMap<String, Integer> out = new TreeMap<>();
          for (Optional<String> env : environmentsInOrder(bp))
            for (String s : bp.services().keySet()) {
              String name = env.map(e -> dev.kiln.model.Environment.qualify(e, s)).orElse(s);
              cp.state.liveRevision(name).ifPresent(n -> out.put(name, n));
            }
          return out;
        });
  }

  /**
   * A manual {@code kiln apply} diverged from the applied commit: journaled once; with {@code
   * --git-drift revert} the commit's blueprint is applied again.
   */
  private void driftCheck(String trigger) {
    GitState git = cp.executor.call(() -> cp.state.git());
    Optional<GitState.LiveBlueprint> drift = cp.executor.call(git::drift);
    if (drift.isEmpty()) return;
    JournalEvent.GitApplied applied = cp.executor.call(() -> git.applied().orElseThrow());
    boolean reported = cp.executor.call(() -> git.driftReported(drift.get()));
    if (!reported) {
      cp.executor.call(
          () ->
              cp.rec.append(
                  actor(),
                  "git: the live blueprint (applied by "
                      + drift.get().actor()
                      + " at seq "
                      + drift.get().seq()
                      + ") is not commit "
                      + applied.commit().substring(0, 12)
                      + "'s",
                  new JournalEvent.GitDrifted(
                      applied.commit(),
                      applied.blueprint(),
                      drift.get().digest(),
                      options.drift().key())));
    }
    if (options.drift() == GitOptions.Drift.REVERT)
      applyCommit(
          mirror.commit(applied.commit()), applied.signer(), "revert drift (" + trigger + ")");
  }

  private JournalEvent.GitRefused refuse(
      String commit, String head, RangeCheck.Reason reason, String error) {
    JournalEvent.GitRefused r = new JournalEvent.GitRefused(commit, head, reason.key, error);
    cp.executor.call(
        () ->
            cp.rec.append(actor(), "git: refused " + head.substring(0, 12) + ": " + reason.key, r));
    LOG.warning("git: refused " + head + ": " + error);
    return r;
  }

  /** The message with the scratch folder's path taken out: {@code kiln.yaml:3:5: ...}. */
  private static String located(KilnException e, Path work) {
    return String.valueOf(e.getMessage()).replace(work.toAbsolutePath() + "/", "");
  }

  private String actor() {
    return "git:" + options.branch();
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    mirror.close();
    cp.git = Optional.empty();
  }
}
