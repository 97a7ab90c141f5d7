package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiError;
import dev.kiln.api.ApplyResponse;
import dev.kiln.api.AuditVerifyResponse;
import dev.kiln.api.BlueprintRequest;
import dev.kiln.api.DriftResponse;
import dev.kiln.api.EnvironmentDiff;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.ExecRequest;
import dev.kiln.api.ExecResponse;
import dev.kiln.api.GitHookResponse;
import dev.kiln.api.GitView;
import dev.kiln.api.Health;
import dev.kiln.api.InstancesResponse;
import dev.kiln.api.JournalResponse;
import dev.kiln.api.Nullable;
import dev.kiln.api.PatchesRequest;
import dev.kiln.api.PatchesResponse;
import dev.kiln.api.PlanView;
import dev.kiln.api.PolicyExceptionRequest;
import dev.kiln.api.PolicyExceptionResponse;
import dev.kiln.api.PromoteRequest;
import dev.kiln.api.PromoteResponse;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.RollbackRequest;
import dev.kiln.api.RollbackResponse;
import dev.kiln.api.RolloutView;
import dev.kiln.api.RolloutsResponse;
import dev.kiln.api.ServiceMetricsResponse;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.api.SnapshotRequest;
import dev.kiln.api.SnapshotResponse;
import dev.kiln.api.UiCode;
import dev.kiln.api.UiLogout;
import dev.kiln.api.UiSession;
import dev.kiln.api.WebhookPayload;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * issue 8: the document served at {@code /v1/openapi.yaml} says what the server sends. For each
 * covered path and method, the schema must list exactly the kiln-api record's components (by JSON
 * name), require those that are always sent, mark {@code nullable} those that may be null, and give
 * each a matching type — recursively through nested records, lists and maps. A mismatch names the
 * path, the property and what differs.
 */
class OpenApiContractTest {
  private static final Map<String, Object> DOC = load();

  /** A response (by status) or the request body ({@code status = "request"}) and its record. */
  record Covered(String method, String path, String status, Class<?> type) {
    @Override
    public String toString() {
      return method + " " + path + " " + status + " -> " + type.getSimpleName();
    }
  }

  static Stream<Covered> covered() {
    List<Covered> c = new ArrayList<>();
    c.add(new Covered("post", "/v1/plan", "request", BlueprintRequest.class));
    c.add(new Covered("post", "/v1/plan", "200", PlanView.class));
    c.add(new Covered("post", "/v1/apply", "request", BlueprintRequest.class));
    c.add(new Covered("post", "/v1/apply", "200", ApplyResponse.class));
    c.add(new Covered("get", "/v1/services", "200", ServicesResponse.class));
    c.add(new Covered("get", "/v1/services/{name}", "200", ServiceView.class));
    c.add(new Covered("get", "/v1/services/{name}/revisions", "200", RevisionsResponse.class));
    for (String verb : List.of("promote", "pause", "resume", "abort"))
      c.add(new Covered("post", "/v1/services/{name}/" + verb, "200", RolloutView.class));
    c.add(new Covered("post", "/v1/services/{name}/rollback", "request", RollbackRequest.class));
    c.add(new Covered("post", "/v1/services/{name}/rollback", "200", RollbackResponse.class));
    c.add(new Covered("get", "/v1/rollouts", "200", RolloutsResponse.class));
    c.add(new Covered("get", "/v1/instances", "200", InstancesResponse.class));
    c.add(new Covered("get", "/v1/journal", "200", JournalResponse.class));
    c.add(new Covered("post", "/v1/environments/{env}/plan", "200", PlanView.class));
    c.add(new Covered("post", "/v1/environments/{env}/apply", "200", ApplyResponse.class));
    c.add(new Covered("post", "/v1/environments/{env}/plan", "request", BlueprintRequest.class));
    c.add(new Covered("post", "/v1/environments/{env}/apply", "request", BlueprintRequest.class));
    c.add(new Covered("get", "/v1/health", "200", Health.class));
    c.add(new Covered("get", "/v1/audit/verify", "200", AuditVerifyResponse.class));
    c.add(new Covered("post", "/v1/instances/{id}/exec", "request", ExecRequest.class));
    c.add(new Covered("post", "/v1/instances/{id}/exec", "200", ExecResponse.class));
    c.add(new Covered("post", "/v1/policy/exceptions", "request", PolicyExceptionRequest.class));
    c.add(new Covered("post", "/v1/policy/exceptions", "200", PolicyExceptionResponse.class));
    c.add(new Covered("post", "/v1/patches", "request", PatchesRequest.class));
    c.add(new Covered("post", "/v1/patches", "200", PatchesResponse.class));
    c.add(new Covered("get", "/v1/drift", "200", DriftResponse.class));
    c.add(new Covered("get", "/v1/git", "200", GitView.class));
    c.add(new Covered("get", "/v1/environments", "200", EnvironmentsResponse.class));
    c.add(new Covered("get", "/v1/environments/diff", "200", EnvironmentDiff.class));
    c.add(new Covered("post", "/v1/environments/promote", "request", PromoteRequest.class));
    c.add(new Covered("post", "/v1/environments/promote", "200", PromoteResponse.class));
    c.add(new Covered("post", "/v1/hooks/git", "202", GitHookResponse.class));
    c.add(new Covered("post", "/v1/snapshots", "request", SnapshotRequest.class));
    c.add(new Covered("post", "/v1/snapshots", "200", SnapshotResponse.class));
    c.add(new Covered("get", "/v1/services/{name}/metrics", "200", ServiceMetricsResponse.class));
    c.add(new Covered("post", "/v1/ui/codes", "200", UiCode.class));
    c.add(new Covered("get", "/v1/ui/session", "200", UiSession.class));
    c.add(new Covered("post", "/v1/ui/logout", "200", UiLogout.class));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("covered")
  void theSchemaListsTheRecordsComponents(Covered c) {
    Map<String, Object> operation = map(map(map(DOC, "paths"), c.path()), c.method());
    Map<String, Object> schema =
        c.status().equals("request")
            ? schemaOf(resolve(map(operation, "requestBody")))
            : schemaOf(resolve(map(map(operation, "responses"), c.status())));
    List<String> problems = new ArrayList<>();
    compare(
        c.method().toUpperCase() + " " + c.path() + " " + c.status(), schema, c.type(), problems);
    assertThat(problems).as("openapi.yaml disagrees with kiln-api for %s", c).isEmpty();
  }

  /** What a webhook delivery POSTs is documented too, as the record it is written from. */
  @Test
  void theWebhookPayloadSchemaIsTheRecord() {
    Map<String, Object> schema = map(map(map(DOC, "components"), "schemas"), "WebhookPayload");
    List<String> problems = new ArrayList<>();
    compare("webhook payload", schema, WebhookPayload.class, problems);
    assertThat(problems).isEmpty();
  }

  /** Every 4xx/5xx answer documented with a body is the one error shape. */
  @Test
  void everyErrorResponseIsAnApiError() {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (var path : map(DOC, "paths").entrySet()) {
      for (var op : asMap(path.getValue(), path.getKey()).entrySet()) {
        if (op.getKey().equals("parameters")) continue;
        Object responses = asMap(op.getValue(), op.getKey()).get("responses");
        if (responses == null) continue;
        for (var r : asMap(responses, "responses").entrySet()) {
          if (r.getKey().startsWith("2") || r.getKey().startsWith("3")) continue;
          Map<String, Object> response = resolve(asMap(r.getValue(), r.getKey()));
          if (!response.containsKey("content")) continue;
          String where = op.getKey().toUpperCase() + " " + path.getKey() + " " + r.getKey();
          compare(where, schemaOf(response), ApiError.class, problems);
          checked++;
        }
      }
    }
    assertThat(checked).as("error responses found").isGreaterThan(20);
    assertThat(problems).isEmpty();
  }

  /** The check itself catches a renamed field: a record that is not the schema fails. */
  @Test
  void aMismatchIsNamedPrecisely() {
    Map<String, Object> rollout =
        schemaOf(
            resolve(
                map(
                    map(
                        map(map(map(DOC, "paths"), "/v1/services/{name}/promote"), "post"),
                        "responses"),
                    "200")));
    List<String> problems = new ArrayList<>();
    compare("POST promote 200", rollout, ApiError.class, problems);
    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("POST promote 200").contains("canaryWeight"));
  }

  private static void compare(
      String where, Map<String, Object> rawSchema, Type type, List<String> problems) {
    Map<String, Object> schema = flatten(rawSchema);
    Class<?> raw = rawClass(type);
    if (raw == Object.class) return; // any JSON value: an opaque body, a certificate, git status
    String t = (String) schema.get("type");
    if (raw.isRecord()) {
      if (!"object".equals(t)) problems.add(where + ": type is " + t + ", the record is an object");
      Map<String, Object> props =
          schema.containsKey("properties") ? map(schema, "properties") : Map.of();
      Map<String, RecordComponent> components = new LinkedHashMap<>();
      for (RecordComponent rc : raw.getRecordComponents()) components.put(rc.getName(), rc);
      Set<String> missing = new TreeSet<>(components.keySet());
      missing.removeAll(props.keySet());
      Set<String> extra = new TreeSet<>(props.keySet());
      extra.removeAll(components.keySet());
      if (!missing.isEmpty())
        problems.add(
            where
                + ": properties "
                + missing
                + " of "
                + raw.getSimpleName()
                + " are not in the schema");
      if (!extra.isEmpty())
        problems.add(
            where
                + ": the schema lists "
                + extra
                + ", which "
                + raw.getSimpleName()
                + " does not have");
      Set<String> required = new TreeSet<>();
      for (RecordComponent rc : components.values()) if (!omittable(rc)) required.add(rc.getName());
      @SuppressWarnings("unchecked")
      Set<String> documented =
          new TreeSet<>((List<String>) schema.getOrDefault("required", List.of()));
      if (!required.equals(documented))
        problems.add(
            where
                + ": required is "
                + documented
                + ", but "
                + raw.getSimpleName()
                + " always sends "
                + required);
      for (RecordComponent rc : components.values()) {
        if (!props.containsKey(rc.getName())) continue;
        String at = where + "." + rc.getName();
        Map<String, Object> prop = asMap(props.get(rc.getName()), at);
        boolean nullable = Boolean.TRUE.equals(flatten(prop).get("nullable"));
        boolean mayBeNull = rc.getAccessor().isAnnotationPresent(Nullable.class) && !omittable(rc);
        if (nullable != mayBeNull)
          problems.add(
              at
                  + ": nullable is "
                  + nullable
                  + ", but the record "
                  + (mayBeNull ? "may send null" : "never sends null"));
        compare(at, prop, rc.getGenericType(), problems);
      }
    } else if (Collection.class.isAssignableFrom(raw)) {
      if (!"array".equals(t)) problems.add(where + ": type is " + t + ", the record has a list");
      else compare(where + "[]", map(schema, "items"), typeArg(type, 0), problems);
    } else if (Map.class.isAssignableFrom(raw)) {
      if (!"object".equals(t)) problems.add(where + ": type is " + t + ", the record has a map");
      else if (schema.get("additionalProperties") instanceof Map<?, ?>)
        compare(where + "{}", map(schema, "additionalProperties"), typeArg(type, 1), problems);
    } else {
      String expected =
          raw == String.class
              ? "string"
              : raw == boolean.class || raw == Boolean.class
                  ? "boolean"
                  : raw == double.class || raw == Double.class ? "number" : "integer";
      if (!expected.equals(t))
        problems.add(
            where
                + ": type is "
                + t
                + ", the record has "
                + raw.getSimpleName()
                + " ("
                + expected
                + ")");
    }
  }

  /** Left out of the JSON when absent: not required (and then never null on the wire). */
  private static boolean omittable(RecordComponent rc) {
    JsonInclude in = rc.getAccessor().getAnnotation(JsonInclude.class);
    return in != null && in.value() != JsonInclude.Include.ALWAYS;
  }

  /** {@code {nullable: true, allOf: [ {$ref} ]}} and {@code {$ref}} as one schema. */
  private static Map<String, Object> flatten(Map<String, Object> schema) {
    Map<String, Object> out = new LinkedHashMap<>();
    Object all = schema.get("allOf");
    if (all instanceof List<?> l && l.size() == 1)
      out.putAll(flatten(resolve(asMap(l.get(0), "allOf"))));
    Map<String, Object> self = resolve(schema);
    self.forEach(
        (k, v) -> {
          if (!k.equals("allOf")) out.put(k, v);
        });
    return out;
  }

  private static Map<String, Object> resolve(Map<String, Object> node) {
    Object ref = node.get("$ref");
    if (ref == null) return node;
    Map<String, Object> at = DOC;
    for (String part : ((String) ref).substring(2).split("/")) at = map(at, part);
    return resolve(at);
  }

  private static Map<String, Object> schemaOf(Map<String, Object> bodyOrResponse) {
    return map(map(map(bodyOrResponse, "content"), "application/json"), "schema");
  }

  private static Class<?> rawClass(Type t) {
    if (t instanceof Class<?> c) return c;
    if (t instanceof ParameterizedType p) return (Class<?>) p.getRawType();
    return Object.class;
  }

  private static Type typeArg(Type t, int i) {
    return t instanceof ParameterizedType p ? p.getActualTypeArguments()[i] : Object.class;
  }

  private static Map<String, Object> map(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null)
      throw new AssertionError(
          "openapi.yaml has no '" + key + "' where expected (keys: " + m.keySet() + ")");
    return asMap(v, key);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object v, String key) {
    if (!(v instanceof Map<?, ?>))
      throw new AssertionError("openapi.yaml: '" + key + "' is not a mapping");
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load() {
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
