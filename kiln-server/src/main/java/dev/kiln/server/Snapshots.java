package dev.kiln.server;

import dev.kiln.api.SnapshotRequest;
import dev.kiln.api.SnapshotResponse;
import dev.kiln.controller.Revision;
import dev.kiln.controller.SnapshotChoice;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.journal.Anchoring;
import dev.kiln.model.Digest;
import dev.kiln.snapshot.SnapshotPlan;
import dev.kiln.snapshot.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code kiln snapshot create} on the server, which owns the journal: the images are chosen from
 * the projection on the reconcile thread ({@link SnapshotChoice}), the archive is written off it
 * while the fleet runs (the journal is copied with {@code VACUUM INTO}), and a {@code
 * snapshot-created} entry records it.
 */
public final class Snapshots {
  public static final int DEFAULT_KEEP_REVISIONS = 5;

  private final ControlPlane cp;

  Snapshots(ControlPlane cp) {
    this.cp = cp;
  }

  /**
   * What to write.
   *
   * @param output the file; empty: {@code kiln-<journalSeq>.snapshot} in {@code dir}
   */
  public record Options(Optional<Path> output, Path dir, int keepRevisions, boolean volumes) {}

  /** What was written, and which revisions' images it holds ({@code service@revision}). */
  public record Created(SnapshotWriter.Result result, String sha256, List<String> revisions) {}

  public Created create(Options o, String actor) {
    ImageStore store = ImageStore.open(cp.home().resolve("images"));
    Map<String, Digest> chosen = cp.executor.call(() -> choose(cp.state, o.keepRevisions()));
    List<Descriptor> images = descriptors(store, chosen);
    Path home = cp.home();
    Path db = home.resolve("state.db");
    SnapshotPlan plan =
        new SnapshotPlan(
            db,
            store,
            images,
            Optional.of(home.resolve("router/table.json")),
            o.volumes() ? Optional.of(home.resolve("volumes")) : Optional.empty(),
            Optional.of(Anchoring.beside(db).head()));
    Path target =
        o.output()
            .orElseGet(
                () ->
                    o.dir()
                        .resolve(
                            ".kiln-snapshot-pending-"
                                + ProcessHandle.current().pid()
                                + "-"
                                + System.nanoTime()))
            .toAbsolutePath();
    SnapshotWriter.Result r = SnapshotWriter.write(plan, cp.key, target);
    if (o.output().isEmpty()) {
      Path named = o.dir().resolve(fileName(r.journalSeq())).toAbsolutePath();
      move(target, named);
      r = new SnapshotWriter.Result(named, r.bytes(), r.members(), r.journalSeq(), r.keyId());
    }
    String sha = sha256(r.file());
    SnapshotWriter.Result done = r;
    cp.executor.call(
        () ->
            cp.rec.append(
                actor,
                "snapshot",
                new JournalEvent.SnapshotCreated(
                    done.file().toString(), done.journalSeq(), done.bytes(), done.members(), sha)));
    return new Created(r, sha, List.copyOf(chosen.keySet()));
  }

  /**
   * {@code POST /v1/snapshots}: {@code {"output"?, "dir"?, "keepRevisions"?, "volumes"?}}, paths
   * absolute (the CLI resolves them where it runs, on this host); default folder {@code
   * $KILN_HOME/snapshots}.
   */
  static SnapshotResponse post(
      ControlPlane cp, com.fasterxml.jackson.databind.JsonNode json, String actor) {
    SnapshotRequest body =
        RequestBodies.read(
            json,
            SnapshotRequest.class,
            field ->
                field
                    + ": of the wrong type (output and dir: absolute paths, keepRevisions: a whole"
                    + " number, volumes: true or false)");
    String out = body.output();
    Optional<Path> output = out != null ? Optional.of(absolute(out, "output")) : Optional.empty();
    String d = body.dir();
    Path dir = d != null ? absolute(d, "dir") : cp.home().resolve("snapshots");
    Integer kept = body.keepRevisions();
    int keep = kept != null ? kept : DEFAULT_KEEP_REVISIONS;
    Created c =
        new Snapshots(cp)
            .create(new Options(output, dir, keep, Boolean.TRUE.equals(body.volumes())), actor);
    SnapshotWriter.Result r = c.result();
    return new SnapshotResponse(
        r.file().toString(),
        r.bytes(),
        r.members(),
        r.journalSeq(),
        r.keyId(),
        c.sha256(),
        c.revisions());
  }

  private static Path absolute(String path, String field) {
    Path p = Path.of(path);
    if (!p.isAbsolute())
      throw new ServerException(field + " must be an absolute path on the server's host: " + p);
    return p;
  }

  /** {@code kiln-<journalSeq>.snapshot}, zero-padded so that names sort by sequence. */
  public static String fileName(long journalSeq) {
    return String.format("kiln-%010d.snapshot", journalSeq);
  }

  /** On the reconcile thread: live revisions, rollout ends and the last {@code keep} of each. */
  static Map<String, Digest> choose(ServerState state, int keep) {
    Map<String, List<Revision>> revisions = new HashMap<>();
    Map<String, Set<Integer>> pinned = new HashMap<>();
    for (String s : state.services().keySet()) {
      revisions.put(s, state.revisions(s));
      Set<Integer> must = new TreeSet<>();
      state
          .rollout(s)
          .ifPresent(
              r -> {
                must.add(r.from());
                must.add(r.to());
                must.add(r.lastGood());
              });
      state.liveRevision(s).ifPresent(must::add);
      pinned.put(s, must);
    }
    return SnapshotChoice.images(revisions, pinned, keep);
  }

  private static List<Descriptor> descriptors(ImageStore store, Map<String, Digest> chosen) {
    Map<Digest, Descriptor> named = new HashMap<>();
    for (Descriptor d : store.index()) {
      if (d.refName().isPresent()) named.putIfAbsent(d.digest(), d);
    }
    List<Descriptor> out = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    chosen.forEach(
        (revision, digest) -> {
          if (!seen.add(digest.toString())) return;
          if (!store.has(digest)) {
            throw new ServerException(
                "image "
                    + digest
                    + " of "
                    + revision
                    + " is not in the image store "
                    + store.dir()
                    + ": a snapshot without it could not run or roll back to "
                    + revision
                    + " (re-bake it, or lower --keep-revisions)");
          }
          out.add(
              named.getOrDefault(
                  digest, new Descriptor(MediaTypes.MANIFEST, digest, store.size(digest))));
        });
    return out;
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha = Digest.newSha256();
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) sha.update(buf, 0, r);
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new ServerException("cannot read snapshot " + file + ": " + e.getMessage(), e);
    }
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ServerException("cannot name snapshot " + to + ": " + e.getMessage(), e);
    }
  }
}
