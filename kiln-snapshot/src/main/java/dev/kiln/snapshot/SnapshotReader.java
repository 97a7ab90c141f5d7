package dev.kiln.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Journal;
import dev.kiln.journal.VerifyReport;
import dev.kiln.model.Digest;
import dev.kiln.oci.Trees;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks a snapshot in one pass: every byte of the content member is covered by the signature,
 * every byte of the signature member is checked exactly, every member's size and sha256 must match
 * {@code SNAPSHOT.json}, nothing unlisted may appear, and the journal inside must verify. The first
 * bad member is named. With a target folder, the members are also written there (the caller moves
 * them into the home only if the verdict is good).
 */
public final class SnapshotReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotReader() {}

  /**
   * The outcome: data, not an exception, because a damaged snapshot is an expected answer.
   *
   * @param problem empty when good; else what is wrong, naming the member
   * @param keyId the key that signed it (as recorded), when readable
   */
  public record Verdict(
      Path file,
      Optional<String> problem,
      Optional<String> keyId,
      long journalSeq,
      List<Member> members) {
    public boolean ok() {
      return problem.isEmpty();
    }
  }

  public static Verdict verify(Path file, Optional<PublicKey> trusted) {
    return read(file, trusted, Optional.empty());
  }

  static Verdict read(Path file, Optional<PublicKey> trusted, Optional<Path> extractTo) {
    Map<String, Member> seen = new LinkedHashMap<>();
    String current = "(archive start)";
    byte[] manifestBytes = null;
    Path journalDir = null;
    Path journalCopy = null;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ContentMember content = new ContentMember(raw);
      // The journal and its anchor side by side, as in a home: the anchor is checked with it.
      journalDir = Files.createTempDirectory("kiln-snapshot-journal-");
      journalCopy = journalDir.resolve("state.db");
      try (TarArchiveInputStream tar = new TarArchiveInputStream(content)) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          current = e.getName();
          if (!e.isFile()) return bad(file, "member " + current + ": not a regular file");
          if (seen.containsKey(current)
              || current.equals(SnapshotWriter.MANIFEST) && manifestBytes != null) {
            return bad(file, "member " + current + ": appears twice");
          }
          if (current.equals(SnapshotWriter.MANIFEST)) {
            manifestBytes = tar.readNBytes(1 << 24);
            continue;
          }
          if (manifestBytes != null)
            return bad(file, "member " + current + ": after SNAPSHOT.json");
          Member.requireSafe(current);
          MessageDigest sha = Digest.newSha256();
          OutputStream sink = OutputStream.nullOutputStream();
          Path target = null;
          if (current.equals("journal/state.db")) target = journalCopy;
          else if (current.equals("journal/journal-head"))
            target = journalDir.resolve("journal-head");
          else if (extractTo.isPresent()) target = extractTo.get().resolve(current);
          if (target != null) {
            Files.createDirectories(target.getParent());
            sink = Files.newOutputStream(target);
          }
          long size = 0;
          try (OutputStream out = sink) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = tar.read(buf)) > 0; ) {
              sha.update(buf, 0, r);
              out.write(buf, 0, r);
              size += r;
              if (current.equals("keys/host.pub") && size > 4096)
                return bad(file, "member keys/host.pub: too large");
            }
          }
          seen.put(current, new Member(current, size, HexFormat.of().formatHex(sha.digest())));
        }
        current = "(end of content)";
        // Read to the member's end: the EOF blocks and record padding must be zeros.
        byte[] buf = new byte[8192];
        for (int r; (r = content.read(buf)) > 0; ) {
          for (int i = 0; i < r; i++)
            if (buf[i] != 0) return bad(file, "the content's end-of-archive padding is damaged");
        }
      }
      current = "SNAPSHOT.sig";
      byte[] signatureTar = StoredGzip.parse(content.rest());
      byte[] signature = signatureFrom(signatureTar);
      if (manifestBytes == null)
        return bad(file, "SNAPSHOT.json is missing (not a Kiln snapshot, or truncated)");
      JsonNode manifest = JSON.readTree(manifestBytes);
      if (!SnapshotWriter.FORMAT.equals(manifest.path("format").asText())) {
        return bad(
            file,
            "SNAPSHOT.json: format is "
                + manifest.path("format")
                + ", not "
                + SnapshotWriter.FORMAT);
      }
      String keyId = manifest.path("keyId").asText();
      long seq = manifest.path("journalSeq").asLong(-1);
      List<Member> listed = new ArrayList<>();
      for (JsonNode m : manifest.path("members")) {
        listed.add(
            new Member(
                m.path("path").asText(), m.path("size").asLong(-1), m.path("sha256").asText()));
      }
      // The first bad member, in archive order, is the one to name.
      for (Member got : seen.values()) {
        Optional<Member> want =
            listed.stream().filter(m -> m.path().equals(got.path())).findFirst();
        if (want.isEmpty())
          return bad(file, "member " + got.path() + ": not listed in SNAPSHOT.json");
        if (!want.get().equals(got))
          return bad(
              file,
              "member " + got.path() + ": content does not match its sha256 in SNAPSHOT.json");
      }
      for (Member m : listed) {
        if (!seen.containsKey(m.path()))
          return bad(file, "member " + m.path() + ": listed in SNAPSHOT.json but missing");
      }
      PublicKey signer = trusted.orElse(null);
      if (signer == null) {
        Path pub = extractTo.map(d -> d.resolve("keys/host.pub")).orElse(null);
        if (pub == null || !Files.exists(pub)) {
          return bad(
              file,
              "no trusted key to check the signature with: pass --key FILE (the host's host.pub)");
        }
        signer = HostKey.readPublicKey(pub);
      }
      if (!HostKey.keyId(signer).equals(keyId)) {
        return bad(
            file,
            "SNAPSHOT.sig: signed by key "
                + keyId
                + ", not the trusted key "
                + HostKey.keyId(signer));
      }
      if (!signatureValid(signer, SnapshotWriter.signedText(content.sha256()), signature)) {
        return bad(
            file, "SNAPSHOT.sig: the signature does not match the archive (damaged or altered)");
      }
      current = "journal/state.db";
      VerifyReport chain;
      try (Journal j = Journal.open(journalCopy, Clock.systemUTC())) {
        chain = j.verify(signer);
      }
      if (!chain.ok())
        return bad(file, "member journal/state.db: the journal does not verify: " + chain);
      if (extractTo.isPresent()) {
        current = "journal/state.db";
        Path to = extractTo.get().resolve("journal/state.db");
        Files.createDirectories(to.getParent());
        Files.copy(journalCopy, to);
        if (Files.exists(journalDir.resolve("journal-head")))
          Files.copy(journalDir.resolve("journal-head"), to.resolveSibling("journal-head"));
      }
      return new Verdict(
          file, Optional.empty(), Optional.of(keyId), seq, List.copyOf(seen.values()));
    } catch (SnapshotException e) {
      return bad(file, e.getMessage());
    } catch (IOException | RuntimeException e) {
      Optional<String> edited = diagnose(file);
      if (edited.isPresent()) return bad(file, edited.get() + " (and " + e.getMessage() + ")");
      return bad(file, "member " + current + ": archive damaged (" + e.getMessage() + ")");
    } finally {
      if (journalDir != null) Trees.deleteQuietly(journalDir);
    }
  }

  /**
   * For an archive that is not in Kiln's exact form (re-packed by hand): reads it leniently to name
   * the member whose content no longer matches SNAPSHOT.json. Empty when that cannot be told.
   */
  private static Optional<String> diagnose(Path file) {
    Map<String, String> hashes = new LinkedHashMap<>();
    byte[] manifest = null;
    try (var tar =
        new TarArchiveInputStream(
            new java.util.zip.GZIPInputStream(
                new BufferedInputStream(Files.newInputStream(file))))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile()) continue;
        if (e.getName().equals(SnapshotWriter.MANIFEST)) {
          manifest = tar.readNBytes(1 << 24);
          continue;
        }
        MessageDigest sha = Digest.newSha256();
        byte[] buf = new byte[1 << 16];
        for (int r; (r = tar.read(buf)) > 0; ) sha.update(buf, 0, r);
        hashes.put(e.getName(), HexFormat.of().formatHex(sha.digest()));
      }
      if (manifest == null) return Optional.empty();
      Map<String, String> listed = new LinkedHashMap<>();
      for (JsonNode m : JSON.readTree(manifest).path("members")) {
        listed.put(m.path("path").asText(), m.path("sha256").asText());
      }
      for (var h : hashes.entrySet()) {
        if (h.getKey().equals(SnapshotWriter.SIGNATURE)) continue;
        if (!h.getValue().equals(listed.get(h.getKey()))) {
          return Optional.of(
              "member " + h.getKey() + ": content does not match its sha256 in SNAPSHOT.json");
        }
      }
    } catch (IOException | RuntimeException ignored) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static byte[] signatureFrom(byte[] tarBytes) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new ByteArrayInputStream(tarBytes))) {
      TarArchiveEntry e = tar.getNextEntry();
      if (e == null || !e.getName().equals(SnapshotWriter.SIGNATURE)) {
        throw new SnapshotException("SNAPSHOT.sig is missing from the signature member");
      }
      byte[] sig = tar.readNBytes(4096);
      if (tar.getNextEntry() != null)
        throw new SnapshotException("SNAPSHOT.sig: unexpected member after it");
      byte[] again = SnapshotWriter.signatureTar(sig);
      if (!java.util.Arrays.equals(again, tarBytes)) {
        throw new SnapshotException(
            "SNAPSHOT.sig: the signature member is not in its canonical form (damaged)");
      }
      try {
        return Base64.getDecoder().decode(new String(sig, StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException bad) {
        throw new SnapshotException("SNAPSHOT.sig: not base64 (damaged)");
      }
    }
  }

  private static boolean signatureValid(PublicKey key, byte[] text, byte[] signature) {
    try {
      Signature s = Signature.getInstance(HostKey.ALGORITHM);
      s.initVerify(key);
      s.update(text);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Verdict bad(Path file, String problem) {
    return new Verdict(file, Optional.of(problem), Optional.empty(), -1, List.of());
  }
}
