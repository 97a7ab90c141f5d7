package dev.kiln.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;

/**
 * Not a test: prints append and verify rates on a real file. Run with {@code java -cp
 * <test-classpath> dev.kiln.journal.JournalBench [entries]}.
 */
public final class JournalBench {
  private JournalBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    Path dir = Files.createTempDirectory("journal-bench");
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    try (Journal journal = Journal.open(dir.resolve("state.db"), Clock.systemUTC())) {
      String body =
          "{\"image\":\"sha256:" + "a".repeat(64) + "\",\"replicas\":3,\"reason\":\"bench\"}";
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        journal.append(new EntryDraft("bench", "rollout.step", "service/web", "bench", body));
      }
      long t1 = System.nanoTime();
      journal.checkpoint(Signer.ed25519(key.getPrivate()));
      long t2 = System.nanoTime();
      VerifyReport report = journal.verify(key.getPublic());
      long t3 = System.nanoTime();
      System.out.printf(
          "append: %d entries in %.0f ms (%.0f/s, synchronous=FULL)%nverify: %s in %.0f ms%n",
          n, (t1 - t0) / 1e6, n / ((t1 - t0) / 1e9), report, (t3 - t2) / 1e6);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
