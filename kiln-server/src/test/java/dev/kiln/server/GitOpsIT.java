package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.SignedGitRepo;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln server --git} against a real repository: commits made and SSH-signed by the git CLI
 * (ssh-keygen keys, {@code gpg.format=ssh}), a real control plane with the process runtime serving
 * busybox httpd behind the router. The fleet follows signed commits (webhook and interval), refuses
 * a range with an unsigned commit in the middle naming it, and stays on the last good commit when a
 * blueprint is invalid.
 */
class GitOpsIT {
  @TempDir Path tmp;
  SignedGitRepo repo;
  SignedGitRepo.Key alice;
  Path allowed;

  @BeforeEach
  void repository() throws Exception {
    repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    alice = repo.newKey("alice", "ed25519");
    allowed = tmp.resolve("allowed_signers");
    Files.writeString(allowed, alice.allowedSignersLine("alice@example.com") + "\n");
    repo.copy(Path.of("/bin/busybox"), "bin/busybox");
    Files.createSymbolicLink(repo.dir().resolve("bin/sh"), Path.of("busybox"));
  }

  /** The blueprint: service web serving {@code page} from image site (busybox httpd). */
  private SignedGitRepo site(String page) {
    return repo.write("site/index.html", page + "\n")
        .write("site/health.html", "ok\n")
        .write(
            "kiln.yaml",
            """
            images:
              site:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - copy: { src: site/, dest: /www }
                entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
            services:
              web:
                image: site
                replicas: 2
                health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
                route: { host: "*", path: / }
                strategy:
                  rolling: { max-surge: 1, max-unavailable: 0 }
            """);
  }

  private GitFollower follow(KilnFixture k, Duration interval) {
    return follow(k, interval, GitOptions.Drift.REPORT);
  }

  private GitFollower follow(KilnFixture k, Duration interval, GitOptions.Drift drift) {
    return GitFollower.start(
        k.cp,
        new GitOptions(
            repo.dir().toString(), "main", "kiln.yaml", interval, Optional.of(allowed), drift));
  }

  private static JsonNode awaitEntry(KilnFixture k, String kind, String commit) {
    return Await.until(
        kind + " for " + commit,
        () -> {
          try {
            for (JsonNode e : k.json(k.get("/v1/journal?kind=" + kind)).get("entries"))
              if (e.path("body").path("commit").asText().equals(commit)
                  || e.path("body").path("head").asText().equals(commit)) return Optional.of(e);
            return Optional.empty();
          } catch (Exception ex) {
            throw new IllegalStateException(ex);
          }
        });
  }

  private static String page(KilnFixture k) throws Exception {
    return k.http
        .send(
            HttpRequest.newBuilder(URI.create(k.router() + "/")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body()
        .strip();
  }

  private static int webhook(KilnFixture k) throws Exception {
    return k.post("/v1/hooks/git", "{\"ref\":\"refs/heads/main\"}").statusCode();
  }

  @Test
  void signedCommits_areApplied_onTheWebhook_andAfterTheInterval_andSurviveARestart()
      throws Exception {
    String first = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      try (GitFollower f = follow(k, Duration.ofHours(1))) {
        JsonNode applied = awaitEntry(k, "git-applied", first).get("body");
        assertThat(applied.get("author").asText()).isEqualTo("Ada Tester <ada@example.com>");
        assertThat(applied.get("signer").asText()).startsWith("alice@example.com SHA256:");
        assertThat(applied.get("path").asText()).isEqualTo("kiln.yaml");
        assertThat(applied.get("revisions").get("web").asInt()).isEqualTo(1);
        assertThat(page(k)).isEqualTo("A");

        String second = site("B").commitSigned(alice, "serve B");
        // the webhook wants the token on TCP like every route
        assertThat(
                k.http
                    .send(
                        HttpRequest.newBuilder(URI.create(k.api() + "/v1/hooks/git"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode())
            .isEqualTo(401);
        assertThat(webhook(k)).isEqualTo(202);
        JsonNode viaHook = awaitEntry(k, "git-applied", second).get("body");
        assertThat(viaHook.get("trigger").asText()).isEqualTo("webhook");
        assertThat(viaHook.get("revisions").get("web").asInt()).isEqualTo(2);
        assertThat(page(k)).isEqualTo("B");
      }
      // the interval alone: a short one, no webhook
      try (GitFollower f = follow(k, Duration.ofMillis(500))) {
        String third = site("C").commitSigned(alice, "serve C");
        JsonNode viaPoll = awaitEntry(k, "git-applied", third).get("body");
        assertThat(viaPoll.get("trigger").asText()).isEqualTo("poll");
        assertThat(page(k)).isEqualTo("C");
        JsonNode status = k.json(k.get("/v1/services")).get("git");
        assertThat(status.get("applied").get("commit").asText()).isEqualTo(third);
        assertThat(status.get("inSync").asBoolean()).isTrue();
      }
      // the applied commit is the journal's: a restarted server knows it
      k.cp.close();
      k.cp = null;
      k.start();
      JsonNode status = k.json(k.get("/v1/git"));
      assertThat(status.get("applied").get("commit").asText()).isEqualTo(repo.head());
    }
  }

  @Test
  void anUnsignedCommitInTheMiddleOfTheRange_isRefusedByItsSha_andNothingIsApplied()
      throws Exception {
    String good = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofHours(1))) {
      awaitEntry(k, "git-applied", good);
      String unsigned = site("B").commitUnsigned("serve B, unsigned");
      String head = site("C").commitSigned(alice, "serve C, signed on top");
      assertThat(webhook(k)).isEqualTo(202);
      JsonNode refused = awaitEntry(k, "git-refused", head).get("body");
      assertThat(refused.get("commit").asText()).isEqualTo(unsigned);
      assertThat(refused.get("reason").asText()).isEqualTo("unsigned");
      assertThat(refused.get("error").asText()).contains(unsigned);
      assertThat(page(k)).isEqualTo("A");
      assertThat(k.service("web").get("liveRevision").asInt()).isEqualTo(1);
      JsonNode git = k.json(k.get("/v1/git"));
      assertThat(git.get("applied").get("commit").asText()).isEqualTo(good);
      assertThat(git.get("refused").get("commit").asText()).isEqualTo(unsigned);
    }
  }

  @Test
  void gpgSignedCommits_byAnAllowedKey_areApplied_besideSshOnes_andAnotherKeyIsRefused()
      throws Exception {
    SignedGitRepo.GpgKey ada = repo.newGpgKey("Ada <ada@example.com>", "ed25519", Optional.empty());
    SignedGitRepo.GpgKey eve = repo.newGpgKey("Eve <eve@example.com>", "ed25519", Optional.empty());
    Path gpgKeys = tmp.resolve("allowed.asc");
    Files.writeString(gpgKeys, ada.armoredPublicKey());
    String ssh = site("A").commitSigned(alice, "serve A, SSH-signed");
    String gpg = site("B").commitGpgSigned(ada, "serve B, GPG-signed", Optional.empty());
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f =
            GitFollower.start(
                k.cp,
                new GitOptions(
                    repo.dir().toString(),
                    "main",
                    "kiln.yaml",
                    Duration.ofHours(1),
                    Optional.of(allowed),
                    GitOptions.Drift.REPORT,
                    Optional.of(gpgKeys)))) {
      JsonNode applied = awaitEntry(k, "git-applied", gpg).get("body");
      assertThat(applied.get("signer").asText())
          .isEqualTo("Ada <ada@example.com> " + ada.fingerprint());
      assertThat(page(k)).isEqualTo("B");
      assertThat(ssh).isNotEqualTo(gpg);

      String forged =
          site("C").commitGpgSigned(eve, "serve C, by a key nobody allowed", Optional.empty());
      assertThat(webhook(k)).isEqualTo(202);
      JsonNode refused = awaitEntry(k, "git-refused", forged).get("body");
      assertThat(refused.get("commit").asText()).isEqualTo(forged);
      assertThat(refused.get("reason").asText()).isEqualTo("bad-signature");
      assertThat(refused.get("error").asText()).contains(forged, "not in");
      assertThat(page(k)).isEqualTo("B");
    } finally {
      repo.stopGpgAgent();
    }
  }

  @Test
  void anInvalidBlueprint_isRefusedWithItsLocation_andTheFleetStaysOnTheLastGoodCommit()
      throws Exception {
    String good = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofHours(1))) {
      awaitEntry(k, "git-applied", good);
      String bad =
          repo.write(
                  "kiln.yaml",
                  repo.git("show", "HEAD:kiln.yaml").replace("replicas: 2", "replicas: many"))
              .commitSigned(alice, "typo");
      assertThat(webhook(k)).isEqualTo(202);
      JsonNode refused = awaitEntry(k, "git-refused", bad).get("body");
      assertThat(refused.get("reason").asText()).isEqualTo("invalid-blueprint");
      assertThat(refused.get("error").asText()).contains("kiln.yaml:").contains("replicas");
      assertThat(refused.get("error").asText()).doesNotContain(k.home.toString());
      assertThat(page(k)).isEqualTo("A");
      assertThat(k.service("web").get("liveRevision").asInt()).isEqualTo(1);
      assertThat(k.json(k.get("/v1/git")).get("applied").get("commit").asText()).isEqualTo(good);
    }
  }

  @Test
  void aManualApplyThatDivergesFromGit_isReportedAsDrift() throws Exception {
    String good = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofMillis(300))) {
      awaitEntry(k, "git-applied", good);
      k.apply(k.blueprint("b", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      JsonNode drifted = awaitEntry(k, "git-drifted", good).get("body");
      assertThat(drifted.get("response").asText()).isEqualTo("report");
      JsonNode git = k.json(k.get("/v1/git"));
      assertThat(git.get("inSync").asBoolean()).isFalse();
      assertThat(git.get("drift").get("actor").asText()).contains("tester@it");
    }
  }

  @Test
  void withGitDriftRevert_aManualApplyIsUndone_byTheCommitsBlueprint() throws Exception {
    String good = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofMillis(300), GitOptions.Drift.REVERT)) {
      awaitEntry(k, "git-applied", good);
      k.apply(k.blueprint("b", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      assertThat(awaitEntry(k, "git-drifted", good).get("body").get("response").asText())
          .isEqualTo("revert");
      // the revert is journaled once its rollout serves the commit's blueprint again
      JsonNode revert =
          Await.until(
              "git-applied by the revert",
              () -> {
                try {
                  for (JsonNode e : k.json(k.get("/v1/journal?kind=git-applied")).get("entries"))
                    if (e.path("body").path("trigger").asText().startsWith("revert drift"))
                      return Optional.of(e.get("body"));
                  return Optional.empty();
                } catch (Exception ex) {
                  throw new IllegalStateException(ex);
                }
              });
      assertThat(revert.get("commit").asText()).isEqualTo(good);
      assertThat(page(k)).isEqualTo("A");
      assertThat(k.json(k.get("/v1/git")).get("inSync").asBoolean()).isTrue();
    }
  }

  @Test
  void aCommitWhoseRolloutFails_isRefusedAsRolloutFailed_andTheLastGoodCommitServes()
      throws Exception {
    String good = site("A").commitSigned(alice, "serve A");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofHours(1))) {
      awaitEntry(k, "git-applied", good);
      site("B");
      String yaml = Files.readString(repo.dir().resolve("kiln.yaml"));
      // never healthy: the health page does not exist in the new revision's image
      repo.write(
          "kiln.yaml",
          yaml.replace("http: /health.html", "http: /missing.html")
              .replace("    replicas: 2\n", "    replicas: 2\n    progress-deadline: 3s\n"));
      String failing = repo.commitSigned(alice, "B, but never healthy");
      assertThat(webhook(k)).isEqualTo(202);
      JsonNode refused = awaitEntry(k, "git-refused", failing).get("body");
      assertThat(refused.get("reason").asText()).isEqualTo("rollout-failed");
      assertThat(refused.get("error").asText()).contains("service web", "revision 2", "aborted");
      assertThat(page(k)).isEqualTo("A");
      assertThat(k.json(k.get("/v1/git")).get("applied").get("commit").asText()).isEqualTo(good);
    }
  }

  @Test
  void aRewrittenHistory_isRefusedAsNotAFastForward_evenWhenSigned() throws Exception {
    String base = site("A").commitSigned(alice, "serve A");
    String applied = site("B").commitSigned(alice, "serve B");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofHours(1))) {
      awaitEntry(k, "git-applied", applied);
      repo.git("reset", "-q", "--hard", base);
      String rewritten = site("C").commitSigned(alice, "serve C instead of B");
      assertThat(webhook(k)).isEqualTo(202);
      JsonNode refused = awaitEntry(k, "git-refused", rewritten).get("body");
      assertThat(refused.get("reason").asText()).isEqualTo("not-fast-forward");
      assertThat(refused.get("error").asText()).contains(applied, "rewritten");
      assertThat(page(k)).isEqualTo("B");
    }
  }

  @Test
  void aBlueprintWithEnvironments_isAppliedToEachEnvironment_productionWaitingForPromotion()
      throws Exception {
    int stagingPort;
    int productionPort;
    try (java.net.ServerSocket a = new java.net.ServerSocket(0);
        java.net.ServerSocket b = new java.net.ServerSocket(0)) {
      stagingPort = a.getLocalPort();
      productionPort = b.getLocalPort();
    }
    site("A");
    String yaml = Files.readString(repo.dir().resolve("kiln.yaml"));
    repo.write(
        "kiln.yaml",
        yaml
            + """
            environments:
              staging:
                router: 127.0.0.1:%d
                services:
                  web: { replicas: 1 }
              production:
                router: 127.0.0.1:%d
                promotion: { from: staging, soak: 1h }
            """
                .formatted(stagingPort, productionPort));
    String commit = repo.commitSigned(alice, "staging and production");
    try (KilnFixture k = new KilnFixture(tmp).start();
        GitFollower f = follow(k, Duration.ofHours(1))) {
      JsonNode applied = awaitEntry(k, "git-applied", commit).get("body");
      // staging runs the commit; production is behind its promotion gate, journaled as refused
      assertThat(applied.get("revisions").get("staging--web").asInt()).isEqualTo(1);
      assertThat(applied.get("revisions").has("production--web")).isFalse();
      assertThat(k.json(k.get("/v1/journal?kind=promotion-refused")).get("entries")).isNotEmpty();
      // staging's own router serves it (published once the rollout settles)
      String page =
          Await.until(
              "staging's router serving web",
              () -> {
                try {
                  HttpResponse<String> r =
                      k.http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + stagingPort + "/"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  return r.statusCode() == 200 ? Optional.of(r.body().strip()) : Optional.empty();
                } catch (java.io.IOException e) {
                  return Optional.empty();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(page).isEqualTo("A");
    }
  }
}
