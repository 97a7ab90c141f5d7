package dev.kiln.server;

import dev.kiln.router.ServiceRoute;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Removes the certificate chain files in {@code router/tls/} that no route table references any
 * more, only once the router has swapped past every table that named them.
 *
 * <p>A chain file is content-addressed and never rewritten; a renewal writes a new one, so without
 * this the directory grows by one file per renewal. A file may go only when the router can no
 * longer read it: it reads the chains of a table when it installs it and re-reads the served ones
 * to notice edits. So each publish is a ticket; when a publish is served (its future completes) the
 * files kept are those of that table and of every table published after it and not yet served — the
 * router is on one of those, never on an older one. A failed publish keeps everything (the router
 * may still serve what it had).
 */
final class ChainFiles {
  private static final Logger LOG = Logger.getLogger(ChainFiles.class.getName());

  private final Path dir;

  /** The chains each table published and not yet served names, by ticket. */
  private final TreeMap<Long, Set<Path>> pending = new TreeMap<>();

  /** Chains written or reused since the last {@link #published}: named by the table being built. */
  private final Set<Path> fresh = new HashSet<>();

  private long next;
  private long lastServed = -1;
  private Set<Path> lastKept = Set.of(Path.of("/nothing kept yet"));
  private boolean wrote;

  ChainFiles(Path dir) {
    this.dir = dir;
  }

  /**
   * The chain as a file the router reads (and watches), named by its content: written once, never
   * rewritten. Under the same lock as the removal, and kept until the table naming it is published,
   * so a removal on another thread never takes a file a table is being built with.
   */
  synchronized Path write(byte[] chainPem) {
    Path file = dir.resolve(sha256(chainPem) + ".pem");
    fresh.add(file);
    if (Files.isRegularFile(file)) return file;
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "chain", ".tmp");
      Files.write(tmp, chainPem);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      wrote = true;
      return file;
    } catch (IOException e) {
      throw new ServerException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Records a table handed to the router; returns its ticket for {@link #served}. */
  synchronized long published(List<ServiceRoute> table) {
    fresh.clear();
    Set<Path> chains = new HashSet<>();
    table.forEach(r -> r.tls().ifPresent(site -> chains.add(site.certChain())));
    pending.put(next, chains);
    return next++;
  }

  /** The router swapped to ticket's table: the chains no table it could still serve names go. */
  synchronized void served(long ticket) {
    Set<Path> mine = pending.remove(ticket);
    if (mine == null || ticket < lastServed) return; // a later table was served already
    lastServed = ticket;
    Set<Path> keep = new HashSet<>(mine);
    keep.addAll(fresh);
    pending.tailMap(ticket, false).values().forEach(keep::addAll);
    pending.headMap(ticket).clear(); // the router is past those
    // the same files kept as last time: nothing can have become unreferenced (publishes come every
    // reconcile round, mostly of an unchanged table; this spares the directory listing)
    if (keep.equals(lastKept) && !wrote) return;
    lastKept = keep;
    wrote = false;
    for (Path file : unreferenced(present(), keep)) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.warning("cannot remove the old certificate chain " + file + ": " + e.getMessage());
      }
    }
  }

  /** The publish failed: the router may still serve what it had, so nothing is removed. */
  synchronized void abandoned(long ticket) {
    pending.remove(ticket);
  }

  /** Chain files ({@code *.pem}) in {@code present} that {@code keep} does not name. Pure. */
  static Set<Path> unreferenced(Set<Path> present, Set<Path> keep) {
    Set<Path> kept = new HashSet<>();
    keep.forEach(p -> kept.add(p.toAbsolutePath().normalize()));
    Set<Path> out = new TreeSet<>();
    for (Path p : present)
      if (p.getFileName().toString().endsWith(".pem")
          && !kept.contains(p.toAbsolutePath().normalize())) out.add(p);
    return out;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Set<Path> present() {
    Set<Path> out = new TreeSet<>();
    if (!Files.isDirectory(dir)) return out;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pem")) {
      files.forEach(out::add);
    } catch (IOException e) {
      LOG.warning("cannot list " + dir + ": " + e.getMessage());
    }
    return out;
  }
}
