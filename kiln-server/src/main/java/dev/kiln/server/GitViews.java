package dev.kiln.server;

import dev.kiln.api.GitHookResponse;
import dev.kiln.api.GitView;
import java.util.Optional;

/**
 * The API's GitOps answers: {@code POST /v1/hooks/git} (the webhook; authenticated like every
 * route: the bearer token on TCP, the peer's uid on the socket) and the {@code git} part of {@code
 * GET /v1/services} and {@code GET /v1/git} that {@code kiln status} shows: the applied commit and
 * whether the live state still matches it.
 */
final class GitViews {
  private GitViews() {}

  static GitHookResponse hook(ControlPlane cp) {
    GitFollower f =
        cp.git.orElseThrow(
            () ->
                new ServerException.NotFound(
                    "this server follows no git branch; start it with `kiln server --git"
                        + " URL_OR_PATH --branch main --path kiln.yaml`"));
    f.trigger();
    return new GitHookResponse(true, f.options().branch());
  }

  static GitView status(ControlPlane cp) {
    return cp.executor.call(() -> onThread(cp).orElse(GitView.NONE));
  }

  /** On the executor thread: empty when the server never followed git. */
  static Optional<GitView> onThread(ControlPlane cp) {
    GitState git = cp.state.git();
    Optional<GitFollower> f = cp.git;
    if (f.isEmpty() && git.applied().isEmpty() && git.refused().isEmpty()) return Optional.empty();
    Optional<GitOptions> o = f.map(GitFollower::options);
    Optional<GitState.LiveBlueprint> drift = git.drift();
    return Optional.of(
        new GitView(
            o.map(GitOptions::source).orElse(null),
            o.map(GitOptions::branch).orElse(null),
            o.map(GitOptions::path).orElse(null),
            o.map(x -> x.interval().toString()).orElse(null),
            o.map(GitOptions::signaturesRequired).orElse(null),
            o.map(x -> x.drift().key()).orElse(null),
            f.flatMap(GitFollower::applying).orElse(null),
            git.applied()
                .map(
                    a ->
                        new GitView.Applied(
                            a.commit(),
                            a.author(),
                            a.signer().orElse(null),
                            a.blueprint().toString()))
                .orElse(null),
            git.refusedSinceApplied()
                .map(r -> new GitView.Refused(r.commit(), r.head(), r.reason(), r.error()))
                .orElse(null),
            git.applied().isPresent() && drift.isEmpty(),
            drift
                .map(d -> new GitView.Drift(d.digest().toString(), d.seq(), d.actor()))
                .orElse(null)));
  }
}
