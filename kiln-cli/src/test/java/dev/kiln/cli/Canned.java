package dev.kiln.cli;

/** Answers shaped exactly as in the API contract (v1), for the fake server. */
final class Canned {
  private Canned() {}

  static final String D1 =
      "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  static final String D2 =
      "sha256:2222222222222222222222222222222222222222222222222222222222222222";

  static final String PLAN_CHANGES =
      """
      {"changes":[{"service":"web","action":"replace","fromRevision":2,"toRevision":3,
        "fields":[{"name":"image","from":"%s","to":"%s"}],"replicas":null},
       {"service":"api","action":"create","fromRevision":null,"toRevision":1,"fields":[],"replicas":{"from":0,"to":2}}],
       "text":"-/+ web: replace revision 2 with 3 (image changed)\\n  + api: create revision 1\\n\\nPlan: 1 to create, 1 to replace, 0 to scale, 0 to remove.\\n",
       "hasChanges":true,"blueprintDigest":"%s"}
      """
          .formatted(D1, D2, D1);

  static final String PLAN_NONE =
      """
      {"changes":[{"service":"web","action":"none","fromRevision":3,"toRevision":3,"fields":[],"replicas":null}],
       "text":"No changes. The fleet matches the blueprint.\\n","hasChanges":false,"blueprintDigest":"%s"}
      """
          .formatted(D1);

  static String rollout(
      String id,
      String service,
      String strategy,
      String phase,
      int step,
      int steps,
      Integer weight,
      String message) {
    return """
        {"id":"%s","service":"%s","from":2,"to":3,"strategy":"%s","phase":"%s","step":%d,"steps":%d,"canaryWeight":%s,
         "startedAt":"2026-11-23T07:00:00.123456Z","deadline":"2026-11-23T07:10:00Z",
         "conditions":[{"type":"Progressing","status":true,"reason":"NewRevisionHealthy","message":"2 of 3 healthy"}],
         "message":"%s"}
        """
        .formatted(
            id,
            service,
            strategy,
            phase,
            step,
            steps,
            weight == null ? "null" : weight.toString(),
            message);
  }

  static String rollouts(String... rollouts) {
    return "{\"rollouts\":[" + String.join(",", rollouts) + "]}";
  }

  static String instance(String id, int revision, String health, Integer pid) {
    return """
        {"id":"%s","service":"web","revision":%d,"runtime":"process","state":"running","health":"%s",
         "port":41234,"pid":%s,"startedAt":"2026-11-23T07:00:01.5Z"}
        """
        .formatted(id, revision, health, pid == null ? "null" : pid.toString());
  }

  static String service(String name, int healthy, String rollout, String... instances) {
    return """
        {"name":"%s","image":"%s","liveRevision":3,"replicas":3,"healthy":%d,"strategy":"canary",
         "route":{"host":"*","path":"/"},"traffic":{"2":90,"3":10},"rollout":%s,"instances":[%s]}
        """
        .formatted(name, D2, healthy, rollout, String.join(",", instances));
  }

  static String services(String... services) {
    return "{\"services\":[" + String.join(",", services) + "],\"certificates\":[]}";
  }

  static String revision(String service, int number, String image, String cause) {
    return """
        {"service":"%s","number":%d,"image":"%s","contentDigest":"%s","createdAt":"2026-11-20T10:15:30.999Z",
         "actor":"local:alice@laptop","cause":"%s","config":{"env.LOG_LEVEL":"info"}}
        """
        .formatted(service, number, image, D1, cause);
  }

  static String entry(int seq, String kind, String subject, String cause) {
    return """
        {"seq":%d,"time":"2026-11-23T07:00:00.5Z","actor":"local:alice@laptop","kind":"%s","subject":"%s","cause":"%s",
         "body":{"to":3},"hash":"%s","prevHash":"%s"}
        """
        .formatted(seq, kind, subject, cause, D1, D2);
  }
}
