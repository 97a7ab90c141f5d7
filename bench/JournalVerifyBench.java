// Journal benchmark helper, launched by bench/journal-verify.sh (not a test: no asserts).
//   generate HOME N   a home with a host key and N entries shaped like the server's own
//                     (instance-starting/-stopping/-healthy, image-verified), checkpointed
//                     every 100 entries as the server does
//   verify HOME RUNS  JournalVerifier.verify on HOME in this (warm) JVM, and the replay's read
//                     (every entry, as the server reads them), median of RUNS each
import dev.kiln.image.HostKey;
import dev.kiln.journal.*;
import java.nio.file.*;
import java.time.Clock;
import java.util.*;

public class JournalVerifyBench {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]);
    if (args[1].equals("generate")) generate(home, Integer.parseInt(args[2]));
    else verify(home, Integer.parseInt(args[2]));
  }

  static void generate(Path home, int n) {
    HostKey key = HostKey.generate(home.resolve("keys"));
    Signer signer = new Signer() {
      public String algorithm() { return HostKey.ALGORITHM; }
      public byte[] sign(byte[] m) { return key.sign(m); }
    };
    Random r = new Random(42);
    String image = "sha256:" + "3f".repeat(32);
    try (Journal j = Journal.open(home.resolve("state.db"), Clock.systemUTC())) {
      List<EntryDraft> batch = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        int rev = 1 + i / 1000;
        String id = "web-" + rev + "-" + Integer.toHexString(r.nextInt());
        batch.add(switch (i % 4) {
          case 0 -> new EntryDraft("controller", "instance-starting", "web", "rollout step",
              "{\"service\":\"web\",\"revision\":" + rev + ",\"image\":\"" + image + "\",\"instances\":[\"" + id + "\"]}");
          case 1 -> new EntryDraft("health-checker", "instance-healthy", "web", "2 checks passed",
              "{\"service\":\"web\",\"instance\":\"" + id + "\",\"port\":" + (20000 + r.nextInt(9999)) + "}");
          case 2 -> new EntryDraft("controller", "instance-stopping", "web", "rollout step: replaced by revision " + rev,
              "{\"service\":\"web\",\"instance\":\"" + id + "\",\"reason\":\"replaced by revision " + rev + "\",\"drain\":true}");
          default -> new EntryDraft("local:root", "image-verified", "image", "apply",
              "{\"digest\":\"" + image + "\",\"keyId\":\"" + key.keyId() + "\",\"signed\":true}");
        });
        if (i % 100 == 0 || i == n) {
          j.appendAll(batch);
          batch.clear();
          j.checkpoint(signer);
        }
      }
    }
  }

  static void verify(Path home, int runs) {
    Path db = home.resolve("state.db");
    var key = HostKey.readPublicKey(home.resolve("keys").resolve(HostKey.PUBLIC_FILE));
    List<Long> verify = new ArrayList<>(), read = new ArrayList<>();
    VerifyReport report = null;
    for (int i = 0; i < runs + 1; i++) { // the first round warms the JIT up and is not counted
      long t0 = System.nanoTime();
      report = JournalVerifier.verify(db, key, Anchoring.beside(db));
      long t1 = System.nanoTime();
      try (Journal j = Journal.open(db, Clock.systemUTC())) {
        j.entries(Query.all()).size();
      }
      long t2 = System.nanoTime();
      if (i > 0) { verify.add((t1 - t0) / 1_000_000); read.add((t2 - t1) / 1_000_000); }
    }
    System.out.println("in-JVM verify (warm, median of " + runs + "): " + median(verify) + " ms  [" + report.toString().lines().findFirst().orElse("") + "]");
    System.out.println("in-JVM replay read, every entry (warm, median of " + runs + "): " + median(read) + " ms");
  }

  static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
