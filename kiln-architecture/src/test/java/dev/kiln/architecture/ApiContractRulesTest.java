package dev.kiln.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's "one API contract", checked by the build: the CLI reads every answer of the server as
 * its kiln-api record ({@code ApiClient.read(answer, Record.class)}), never by walking the JSON
 * tree, so a field renamed on one side fails to compile or fails {@code OpenApiContractTest}
 * instead of printing "-" in a table.
 */
class ApiContractRulesTest {
  private static final Set<String> TREE_READERS =
      Set.of(
          "path",
          "get",
          "has",
          "hasNonNull",
          "at",
          "findValue",
          "fields",
          "fieldNames",
          "elements",
          "properties",
          "asText",
          "asInt",
          "asLong",
          "asDouble",
          "asBoolean",
          "textValue",
          "intValue",
          "longValue",
          "booleanValue");

  /** No class in {@code pkg} calls a JsonNode method that reads the tree. */
  static ArchRule readsNoJsonTree(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(pkg + "..")
        .should()
        .callMethodWhere(
            DescribedPredicate.describe(
                "a JsonNode method that reads the tree (" + TREE_READERS + ")",
                (JavaMethodCall call) ->
                    TREE_READERS.contains(call.getName())
                        && (call.getTargetOwner()
                                .getName()
                                .equals("com.fasterxml.jackson.databind.JsonNode")
                            || call.getTargetOwner()
                                .getPackageName()
                                .equals("com.fasterxml.jackson.databind.node"))))
        .because(
            "kiln-api holds the records both sides compile against: read an answer with"
                + " ApiClient.read(answer, Record.class) (CONTRIBUTING.md, \"Adding or changing an"
                + " API endpoint\")");
  }

  @Test
  void theCli_readsTheApisAnswersAsRecords_notAsJsonTrees() {
    JavaClasses cli =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.kiln.cli");
    if (cli.size() < 30) throw new AssertionError("imported only " + cli.size() + " CLI classes");
    readsNoJsonTree("dev.kiln.cli").check(cli);
  }

  /** What the rule exists to catch: {@code answer.path("revisions")} and the like. */
  static final class TreeWalker {
    static String firstName(JsonNode answer) {
      return answer.path("services").get(0).path("name").asText();
    }
  }

  /**
   * No class of {@code pkg} whose simple name starts with Webhook or Notifier builds a JSON tree: a
   * webhook's body is the kiln-api record {@code WebhookPayload}, written by the API's codec, so
   * its shape is the record's and the OpenAPI document's, not a call site's.
   */
  static ArchRule buildsNoWebhookJsonByHand(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(pkg + "..")
        .and(simpleNameStartingWith("Webhook").or(simpleNameStartingWith("Notifier")))
        .should()
        .callMethodWhere(
            DescribedPredicate.describe(
                "a method that builds a JSON tree (ObjectNode/ArrayNode put*, set*, add*, insert*,"
                    + " replace*; createObjectNode, createArrayNode; Json.object, Json.array)",
                (JavaMethodCall call) -> {
                  String name = call.getName();
                  String owner = call.getTargetOwner().getName();
                  if (call.getTargetOwner()
                      .getPackageName()
                      .equals("com.fasterxml.jackson.databind.node"))
                    return name.startsWith("put")
                        || name.startsWith("set")
                        || name.startsWith("add")
                        || name.startsWith("insert")
                        || name.startsWith("replace")
                        || name.equals("objectNode")
                        || name.equals("arrayNode");
                  if (owner.equals("com.fasterxml.jackson.databind.ObjectMapper"))
                    return name.equals("createObjectNode") || name.equals("createArrayNode");
                  return owner.equals("dev.kiln.server.Json")
                      && (name.equals("object") || name.equals("array"));
                }))
        .because(
            "a webhook's body is dev.kiln.api.WebhookPayload, written with"
                + " Json.write(Json.tree(payload)) like the API's bodies (docs/notify.md)");
  }

  @Test
  void theServersWebhookCode_writesThePayloadRecord_notHandBuiltJson() {
    JavaClasses server =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.kiln.server");
    if (server.stream().noneMatch(c -> c.getSimpleName().equals("WebhookRequest")))
      throw new AssertionError("dev.kiln.server.WebhookRequest was not imported");
    buildsNoWebhookJsonByHand("dev.kiln.server").check(server);
  }

  /** What the webhook rule exists to catch: the body built field by field. */
  static final class WebhookBodyBuilder {
    static String body(long seq, String kind) {
      ObjectNode n = new ObjectMapper().createObjectNode();
      n.put("seq", seq);
      n.put("kind", kind);
      return n.toString();
    }
  }

  @Test
  void theWebhookRuleCatchesAHandBuiltBody() {
    JavaClasses builder = new ClassFileImporter().importClasses(WebhookBodyBuilder.class);
    assertThatThrownBy(() -> buildsNoWebhookJsonByHand("dev.kiln.architecture").check(builder))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("createObjectNode")
        .hasMessageContaining("WebhookBodyBuilder.body");
  }

  @Test
  void theRuleCatchesATreeWalk() {
    JavaClasses walker = new ClassFileImporter().importClasses(TreeWalker.class);
    assertThatThrownBy(() -> readsNoJsonTree("dev.kiln.architecture").check(walker))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("JsonNode.path(java.lang.String)")
        .hasMessageContaining("TreeWalker.firstName");
  }
}
