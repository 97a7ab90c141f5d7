package dev.kiln.gitops;

import dev.kiln.oci.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A bare clone of one branch of the followed repository, kept in {@code $KILN_HOME/git/mirror.git}
 * (JGit; the source is a path or any URL JGit fetches from). Kiln never checks out into it: a
 * commit's files are exported to a scratch folder for baking, and the blueprint is read from the
 * commit's tree.
 */
public final class GitMirror implements AutoCloseable {
  /** A commit's facts, as the journal records them. */
  public record Commit(String sha, String author, Instant committedAt, byte[] raw) {}

  /** Bounds on what a commit's export may write (a repository is input like any other). */
  static final long MAX_EXPORT_BYTES = 1L << 30;

  static final int MAX_EXPORT_FILES = 100_000;

  private final Git git;
  private final String source;
  private final String branch;

  private GitMirror(Git git, String source, String branch) {
    this.git = git;
    this.source = source;
    this.branch = branch;
  }

  public static GitMirror open(Path dir, String source, String branch) {
    if (!Repository.isValidRefName(Constants.R_HEADS + branch))
      throw new GitOpsException("--branch " + branch + ": not a valid branch name");
    try {
      Git git =
          Files.isDirectory(dir.resolve("objects"))
              ? Git.open(dir.toFile())
              : Git.init().setBare(true).setDirectory(dir.toFile()).call();
      return new GitMirror(git, source, branch);
    } catch (IOException | GitAPIException e) {
      throw new GitOpsException("cannot open the git mirror " + dir + ": " + e.getMessage(), e);
    }
  }

  private String trackingRef() {
    return "refs/kiln/" + branch;
  }

  /**
   * Fetches the branch (forced into Kiln's tracking ref, so a rewritten history is seen and judged
   * rather than failing the fetch) and returns its head.
   */
  public String fetch() {
    try {
      git.fetch()
          .setRemote(source)
          .setRefSpecs(new RefSpec("+" + Constants.R_HEADS + branch + ":" + trackingRef()))
          .setTimeout(60)
          .call();
      ObjectId head = git.getRepository().resolve(trackingRef());
      if (head == null) throw new GitOpsException(source + ": no branch " + branch + " (--branch)");
      return head.name();
    } catch (GitAPIException | IOException e) {
      throw new GitOpsException(
          "cannot fetch " + branch + " from " + source + ": " + e.getMessage(), e);
    }
  }

  /**
   * The commits after {@code from} up to {@code to}, oldest first (every path: merged branches'
   * commits too). Empty when {@code from} is not an ancestor of {@code to} is impossible: that is a
   * rewritten history, refused by {@link #isAncestor}.
   */
  public List<Commit> range(Optional<String> from, String to) {
    try (RevWalk walk = new RevWalk(git.getRepository())) {
      walk.markStart(walk.parseCommit(ObjectId.fromString(to)));
      if (from.isPresent())
        walk.markUninteresting(walk.parseCommit(ObjectId.fromString(from.get())));
      List<Commit> out = new ArrayList<>();
      for (RevCommit c : walk) {
        out.add(commit(c));
        if (from.isEmpty()) break; // the first sync judges the head only (see docs/gitops.md)
      }
      Collections.reverse(out);
      return out;
    } catch (IOException e) {
      throw new GitOpsException(
          "cannot walk " + from.orElse("") + ".." + to + ": " + e.getMessage(), e);
    }
  }

  public Commit commit(String sha) {
    try (RevWalk walk = new RevWalk(git.getRepository())) {
      return commit(walk.parseCommit(ObjectId.fromString(sha)));
    } catch (IOException e) {
      throw new GitOpsException("no commit " + sha + " in the mirror: " + e.getMessage(), e);
    }
  }

  private static Commit commit(RevCommit c) {
    return new Commit(
        c.name(),
        c.getAuthorIdent().getName() + " <" + c.getAuthorIdent().getEmailAddress() + ">",
        c.getCommitterIdent().getWhenAsInstant(),
        c.getRawBuffer().clone());
  }

  /** True when {@code ancestor} is in {@code head}'s history (a fast-forward from it). */
  public boolean isAncestor(String ancestor, String head) {
    try (RevWalk walk = new RevWalk(git.getRepository())) {
      return walk.isMergedInto(
          walk.parseCommit(ObjectId.fromString(ancestor)),
          walk.parseCommit(ObjectId.fromString(head)));
    } catch (IOException e) {
      return false; // the old commit is gone from the mirror: not a fast-forward either
    }
  }

  /** The file at {@code path} in {@code commit}, or empty when the commit has none there. */
  public Optional<byte[]> read(String commit, String path, long maxBytes) {
    Repository repo = git.getRepository();
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(ObjectId.fromString(commit));
      try (TreeWalk tw = TreeWalk.forPath(repo, path, c.getTree())) {
        if (tw == null
            || !tw.getFileMode(0).equals(FileMode.REGULAR_FILE)
                && !tw.getFileMode(0).equals(FileMode.EXECUTABLE_FILE)) return Optional.empty();
        ObjectLoader l = repo.open(tw.getObjectId(0));
        if (l.getSize() > maxBytes)
          throw new GitOpsException(
              path + " in " + commit + ": " + l.getSize() + " bytes, more than " + maxBytes);
        return Optional.of(l.getBytes());
      }
    } catch (IOException e) {
      throw new GitOpsException("cannot read " + path + " in " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the commit's files under {@code dir} (a new folder): regular files, executables (0755)
   * and symlinks; submodules are skipped. Bounded in bytes and files.
   */
  public void export(String commit, Path dir) {
    Repository repo = git.getRepository();
    long bytes = 0;
    int files = 0;
    try (RevWalk walk = new RevWalk(repo);
        TreeWalk tw = new TreeWalk(repo)) {
      Files.createDirectories(dir);
      Path root = dir.toAbsolutePath().normalize();
      tw.addTree(walk.parseCommit(ObjectId.fromString(commit)).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        FileMode mode = tw.getFileMode(0);
        Path target = root.resolve(tw.getPathString()).normalize();
        if (!target.startsWith(root) || target.equals(root))
          throw new GitOpsException(commit + ": path " + tw.getPathString() + " escapes the tree");
        if (++files > MAX_EXPORT_FILES)
          throw new GitOpsException(commit + ": more than " + MAX_EXPORT_FILES + " files");
        if (mode.equals(FileMode.GITLINK)) continue;
        Files.createDirectories(target.getParent());
        ObjectLoader l = repo.open(tw.getObjectId(0));
        bytes += l.getSize();
        if (bytes > MAX_EXPORT_BYTES)
          throw new GitOpsException(commit + ": more than " + MAX_EXPORT_BYTES + " bytes of files");
        if (mode.equals(FileMode.SYMLINK)) {
          Files.createSymbolicLink(
              target, Path.of(new String(l.getBytes(), StandardCharsets.UTF_8)));
          continue;
        }
        try (InputStream in = l.openStream();
            OutputStream out = Files.newOutputStream(target)) {
          in.transferTo(out);
        }
        Files.setPosixFilePermissions(
            target,
            PosixFilePermissions.fromString(
                mode.equals(FileMode.EXECUTABLE_FILE) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    } catch (IOException e) {
      throw new GitOpsException(
          "cannot export " + commit + " to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Replaces {@code dir} by the commit's files, written beside it first and moved into place. */
  public void exportAtomically(String commit, Path dir) {
    Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
    try {
      Trees.delete(tmp);
      export(commit, tmp);
      Trees.delete(dir);
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new GitOpsException("cannot move " + tmp + " to " + dir + ": " + e.getMessage(), e);
    }
  }

  public String source() {
    return source;
  }

  public String branch() {
    return branch;
  }

  @Override
  public void close() {
    git.close();
  }
}
