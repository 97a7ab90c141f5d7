package dev.kiln.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Digest;
import dev.kiln.oci.Trees;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Writes a snapshot. The file is two gzip members, which {@code tar -xzif} reads as one tar:
 *
 * <ol>
 *   <li>the content: the members in a fixed order with fixed metadata (so two snapshots of an
 *       unchanged state are byte-identical), then {@code SNAPSHOT.json}, which lists every member
 *       with its size and sha256;
 *   <li>{@code SNAPSHOT.sig}: the host key's Ed25519 signature over the sha256 of the first gzip
 *       member's exact bytes, in a member written byte by byte (a stored deflate block), so that
 *       every byte of the file is either signed or checked exactly — one changed byte anywhere is
 *       found.
 * </ol>
 *
 * <p>The archive is written to a temp file beside the target and moved into place: a snapshot that
 * exists is whole. The journal is copied with {@code VACUUM INTO}, a consistent read of the live
 * database that writers do not wait for. Never the private key, the API token or a secret: only the
 * public key, and the journal, which holds secret names but never their values.
 */
public final class SnapshotWriter {
  public static final String FORMAT = "kiln-snapshot/v1";
  static final String MANIFEST = "SNAPSHOT.json";
  static final String SIGNATURE = "SNAPSHOT.sig";
  static final String LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotWriter() {}

  /** What was written. */
  public record Result(Path file, long bytes, int members, long journalSeq, String keyId) {}

  public static Result write(SnapshotPlan plan, HostKey key, Path out) {
    Path dir = out.toAbsolutePath().getParent();
    Path staging = null;
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      staging = Files.createTempDirectory(dir, ".snapshot-");
      Path journal = staging.resolve("state.db");
      // The anchor first: a checkpoint written meanwhile is then in the copy, never only in it.
      Optional<byte[]> head = Optional.empty();
      if (plan.journalHead().isPresent() && Files.isRegularFile(plan.journalHead().get())) {
        head = Optional.of(Files.readAllBytes(plan.journalHead().get()));
      }
      copyJournal(plan.journalDb(), journal);
      long seq = lastSeq(journal);
      tmp = Files.createTempFile(dir, ".snapshot-", ".tmp");
      List<Member> members = new ArrayList<>();
      MessageDigest contentSha = Digest.newSha256();
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        OutputStream hashed = new java.security.DigestOutputStream(nonClosing(file), contentSha);
        try (GZIPOutputStream gz =
                new GZIPOutputStream(hashed, 1 << 16) {
                  {
                    def.setLevel(Deflater.BEST_SPEED);
                  }
                };
            TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
          tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
          tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
          members.add(putFile(tar, "journal/state.db", journal));
          if (head.isPresent()) members.add(putBytes(tar, "journal/journal-head", head.get()));
          members.add(putBytes(tar, "images/oci-layout", LAYOUT.getBytes(StandardCharsets.UTF_8)));
          TreeSet<Digest> blobs = new TreeSet<>(Comparator.comparing(Digest::hex));
          List<Descriptor> index = new ArrayList<>();
          collect(plan, blobs, index);
          members.add(putBytes(tar, "images/index.json", indexJson(index)));
          for (Digest d : blobs) {
            try (InputStream in = plan.store().open(d)) {
              members.add(
                  putStream(tar, "images/blobs/sha256/" + d.hex(), in, plan.store().size(d)));
            }
          }
          if (plan.routeTable().isPresent() && Files.isRegularFile(plan.routeTable().get())) {
            members.add(putFile(tar, "router/table.json", plan.routeTable().get()));
          }
          if (plan.volumes().isPresent() && Files.isDirectory(plan.volumes().get())) {
            for (Path f : volumeFiles(plan.volumes().get())) {
              String rel = plan.volumes().get().relativize(f).toString();
              members.add(putFile(tar, "volumes/" + rel, f));
            }
          }
          members.add(putFile(tar, "keys/host.pub", key.publicKeyFile()));
          putUnlisted(tar, MANIFEST, manifestJson(members, seq, key.keyId()));
          tar.finish();
        }
        byte[] signature = Base64.getEncoder().encode(key.sign(signedText(contentSha.digest())));
        file.write(StoredGzip.member(signatureTar(signature)));
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      return new Result(out, Files.size(out), members.size(), seq, key.keyId());
    } catch (IOException e) {
      throw new SnapshotException("cannot write snapshot " + out + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
      if (staging != null) Trees.deleteQuietly(staging);
    }
  }

  /** The images with their blobs and referrers; index entries for names and referrers. */
  private static void collect(SnapshotPlan plan, TreeSet<Digest> blobs, List<Descriptor> index) {
    ImageStore store = plan.store();
    TreeMap<String, Descriptor> entries = new TreeMap<>();
    for (Descriptor image : plan.images()) {
      addImage(store, image.digest(), blobs);
      entries.put(image.refName().orElse("") + "@" + image.digest(), image);
      for (Descriptor r : store.referrers(image.digest(), Optional.empty())) {
        addImage(store, r.digest(), blobs);
        entries.put("~referrer@" + r.digest(), r);
      }
    }
    index.addAll(entries.values());
  }

  private static void addImage(ImageStore store, Digest manifest, TreeSet<Digest> blobs) {
    blobs.add(manifest);
    ImageManifest m = store.manifest(manifest);
    blobs.add(m.config().digest());
    m.layers().forEach(l -> blobs.add(l.digest()));
  }

  private static byte[] indexJson(List<Descriptor> index) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("schemaVersion", 2);
    ArrayNode manifests = root.putArray("manifests");
    index.forEach(d -> manifests.add(d.toJson()));
    return JSON.writeValueAsBytes(root);
  }

  private static byte[] manifestJson(List<Member> members, long seq, String keyId)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("journalSeq", seq);
    root.put("keyId", keyId);
    ArrayNode list = root.putArray("members");
    for (Member m : members) {
      ObjectNode o = list.addObject();
      o.put("path", m.path());
      o.put("size", m.size());
      o.put("sha256", m.sha256());
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /** What the signature covers: the format and the sha256 of the first gzip member's bytes. */
  static byte[] signedText(byte[] contentSha256) {
    return (FORMAT + " sha256:" + HexFormat.of().formatHex(contentSha256))
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The second tar: {@code SNAPSHOT.sig} and the end-of-archive blocks. */
  static byte[] signatureTar(byte[] signature) throws IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      putUnlisted(tar, SIGNATURE, signature);
      tar.finish();
    }
    return bytes.toByteArray();
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  /** A consistent copy of a database that may be written meanwhile. */
  static void copyJournal(Path live, Path copy) {
    if (!Files.isRegularFile(live)) throw new SnapshotException("no journal at " + live);
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:file:" + live.toAbsolutePath() + "?mode=ro");
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("VACUUM INTO '" + copy.toAbsolutePath().toString().replace("'", "''") + "'");
    } catch (SQLException e) {
      throw new SnapshotException("cannot copy the journal " + live + ": " + e.getMessage(), e);
    }
  }

  static long lastSeq(Path db) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:sqlite:file:" + db.toAbsolutePath() + "?mode=ro&immutable=1");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM journal")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new SnapshotException("journal copy " + db + " is not readable: " + e.getMessage(), e);
    }
  }

  private static List<Path> volumeFiles(Path volumes) throws IOException {
    try (var walk = Files.walk(volumes)) {
      return walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .toList();
    }
  }

  private static Member putFile(TarArchiveOutputStream tar, String name, Path file)
      throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return putStream(tar, name, in, Files.size(file));
    }
  }

  static Member putBytes(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    return putStream(tar, name, new java.io.ByteArrayInputStream(content), content.length);
  }

  /** SNAPSHOT.json and SNAPSHOT.sig: they describe the members, so are not listed as one. */
  private static void putUnlisted(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    copy(tar, name, new java.io.ByteArrayInputStream(content), content.length);
  }

  private static Member putStream(
      TarArchiveOutputStream tar, String name, InputStream in, long size) throws IOException {
    return new Member(name, size, copy(tar, name, in, size));
  }

  /** Writes one entry; returns the hex sha256 of its content. */
  private static String copy(TarArchiveOutputStream tar, String name, InputStream in, long size)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(size);
    e.setMode(0100644);
    e.setModTime(0);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    tar.putArchiveEntry(e);
    MessageDigest sha = dev.kiln.model.Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    long n = 0;
    for (int r; (r = in.read(buf)) > 0; ) {
      tar.write(buf, 0, r);
      sha.update(buf, 0, r);
      n += r;
    }
    if (n != size)
      throw new IOException(
          name + " changed while it was written (" + n + " of " + size + " bytes)");
    tar.closeArchiveEntry();
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void deleteQuietly(@Nullable Path p) {
    if (p == null) return;
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a stray temp file is removed by the next snapshot into the same folder
    }
  }
}
