package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path as the instance will see it, with {@code root} as {@code /}: symlinks met on the
 * way are followed <em>inside</em> the root (an absolute target restarts at the root, {@code ..}
 * stops at it), so no layer entry or command lookup can reach a host file through a link.
 */
final class RootPath {
  private static final int MAX_LINKS = 40;

  private RootPath() {}

  /**
   * @param path a path inside the root, absolute or relative to it
   * @param followLast whether a symlink in the last component is followed too
   * @return a host path under {@code root}
   */
  static Path resolve(Path root, String path, boolean followLast) throws IOException {
    Deque<String> todo = new ArrayDeque<>(split(path));
    List<String> done = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.equals("..")) {
        if (!done.isEmpty()) done.removeLast();
        continue;
      }
      Path candidate = join(root, done).resolve(part);
      boolean last = todo.isEmpty();
      if ((!last || followLast) && Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS)
          throw new IOException("too many levels of symbolic links: " + path);
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) done.clear();
        List<String> parts = split(target);
        for (int i = parts.size() - 1; i >= 0; i--) todo.addFirst(parts.get(i));
        continue;
      }
      done.add(part);
    }
    return join(root, done);
  }

  static boolean isExecutableFile(Path root, String path) {
    try {
      Path p = resolve(root, path, true);
      return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(p);
    } catch (IOException e) {
      return false;
    }
  }

  static boolean isDirectory(Path root, String path) {
    try {
      return Files.isDirectory(resolve(root, path, true), LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> split(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) if (!p.isEmpty() && !p.equals(".")) parts.add(p);
    return parts;
  }

  private static Path join(Path root, List<String> parts) {
    Path p = root;
    for (String part : parts) p = p.resolve(part);
    return p;
  }
}
