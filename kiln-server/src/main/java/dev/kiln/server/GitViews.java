package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The API's GitOps answers: {@code POST /v1/hooks/git} (the webhook; authenticated like every
 * route: the bearer token on TCP, the peer's uid on the socket) and the {@code git} part of {@code
 * GET /v1/services} and {@code GET /v1/git} that {@code kiln status} shows: the applied commit and
 * whether the live state still matches it.
 */
final class GitViews {
  private GitViews() {}

  static ObjectNode hook(ControlPlane cp) {
    GitFollower f =
        cp.git.orElseThrow(
            () ->
                new ServerException.NotFound(
                    "this server follows no git branch; start it with `kiln server --git"
                        + " URL_OR_PATH --branch main --path kiln.yaml`"));
    f.trigger();
    ObjectNode n = Json.object();
    n.put("queued", true);
    n.put("branch", f.options().branch());
    return n;
  }

  static ObjectNode status(ControlPlane cp) {
    return cp.executor.call(() -> onThread(cp).orElseGet(Json::object));
  }

  /** On the executor thread: empty when the server never followed git. */
  static Optional<ObjectNode> onThread(ControlPlane cp) {
    GitState git = cp.state.git();
    Optional<GitFollower> f = cp.git;
    if (f.isEmpty() && git.applied().isEmpty() && git.refused().isEmpty()) return Optional.empty();
    ObjectNode n = Json.object();
    f.ifPresent(
        x -> {
          n.put("source", x.options().source());
          n.put("branch", x.options().branch());
          n.put("path", x.options().path());
          n.put("interval", x.options().interval().toString());
          n.put("signed", x.options().signaturesRequired());
          n.put("driftResponse", x.options().drift().key());
          x.applying().ifPresent(c -> n.put("applying", c));
        });
    git.applied()
        .ifPresent(
            a -> {
              ObjectNode c = n.putObject("applied");
              c.put("commit", a.commit());
              c.put("author", a.author());
              a.signer().ifPresent(s -> c.put("signer", s));
              c.put("blueprint", a.blueprint().toString());
            });
    git.refusedSinceApplied()
        .ifPresent(
            r -> {
              ObjectNode c = n.putObject("refused");
              c.put("commit", r.commit());
              c.put("head", r.head());
              c.put("reason", r.reason());
              c.put("error", r.error());
            });
    Optional<GitState.LiveBlueprint> drift = git.drift();
    n.put("inSync", git.applied().isPresent() && drift.isEmpty());
    drift.ifPresent(
        d -> {
          ObjectNode c = n.putObject("drift");
          c.put("blueprint", d.digest().toString());
          c.put("seq", d.seq());
          c.put("actor", d.actor());
        });
    return Optional.of(n);
  }
}
