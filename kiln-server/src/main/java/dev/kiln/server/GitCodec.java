package dev.kiln.server;

import static dev.kiln.server.EventFields.digest;
import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.opt;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.TreeMap;

/**
 * The JSON of the GitOps kinds — applied, refused, drifted — for {@link EventCodec} (same rules:
 * fixed field order).
 */
final class GitCodec {
  private GitCodec() {}

  static void encode(JournalEvent.GitApplied e, ObjectNode n) {
    n.put("commit", e.commit());
    n.put("branch", e.branch());
    n.put("author", e.author());
    e.signer().ifPresent(v -> n.put("signer", v));
    n.put("path", e.path());
    n.put("blueprint", e.blueprint().toString());
    ObjectNode revs = n.putObject("revisions");
    e.revisions().forEach(revs::put);
    n.put("trigger", e.trigger());
  }

  static JournalEvent.GitApplied gitApplied(JsonNode n) {
    TreeMap<String, Integer> revs = new TreeMap<>();
    field(n, "revisions")
        .fields()
        .forEachRemaining(f -> revs.put(f.getKey(), f.getValue().asInt()));
    return new JournalEvent.GitApplied(
        text(n, "commit"),
        text(n, "branch"),
        text(n, "author"),
        opt(n, "signer"),
        text(n, "path"),
        digest(n, "blueprint"),
        revs,
        text(n, "trigger"));
  }

  static void encode(JournalEvent.GitRefused e, ObjectNode n) {
    n.put("commit", e.commit());
    n.put("head", e.head());
    n.put("reason", e.reason());
    n.put("error", e.error());
  }

  static JournalEvent.GitRefused gitRefused(JsonNode n) {
    return new JournalEvent.GitRefused(
        text(n, "commit"), text(n, "head"), text(n, "reason"), text(n, "error"));
  }

  static void encode(JournalEvent.GitDrifted e, ObjectNode n) {
    n.put("commit", e.commit());
    n.put("expected", e.expected().toString());
    n.put("live", e.live().toString());
    n.put("response", e.response());
  }

  static JournalEvent.GitDrifted gitDrifted(JsonNode n) {
    return new JournalEvent.GitDrifted(
        text(n, "commit"), digest(n, "expected"), digest(n, "live"), text(n, "response"));
  }
}
