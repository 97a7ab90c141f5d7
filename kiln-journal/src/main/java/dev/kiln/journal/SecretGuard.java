package dev.kiln.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;

/**
 * Refuses entries that contain a secret value. The journal is append-only, exported and never
 * rewritten, so a secret that gets in can never be taken out: we check before writing. Values are
 * looked for in every text field and in every string (and key) of the body, decoded, so JSON
 * escaping cannot hide them.
 */
final class SecretGuard {
  private SecretGuard() {}

  static void check(EntryDraft draft, JsonNode body) {
    Set<String> secrets = draft.secrets();
    if (secrets.isEmpty()) return;
    check(secrets, "actor", draft.actor());
    check(secrets, "kind", draft.kind());
    check(secrets, "subject", draft.subject());
    check(secrets, "cause", draft.cause());
    Deque<JsonNode> todo = new ArrayDeque<>();
    todo.push(body);
    while (!todo.isEmpty()) {
      JsonNode node = todo.pop();
      if (node.isTextual() || node.isNumber()) check(secrets, "body", node.asText());
      for (Map.Entry<String, JsonNode> field :
          (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        check(secrets, "body", field.getKey());
        todo.push(field.getValue());
      }
      if (node.isArray()) node.elements().forEachRemaining(todo::push);
    }
  }

  private static void check(Set<String> secrets, String field, String text) {
    for (String secret : secrets) {
      if (!secret.isEmpty() && text.contains(secret)) {
        // Never echo the value itself: this message may well end up in a log.
        throw new JournalException(
            "refusing to journal an entry whose "
                + field
                + " contains a secret value; record the"
                + " secret's name instead of its value");
      }
    }
  }
}
