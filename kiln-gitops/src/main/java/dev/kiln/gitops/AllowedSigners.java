package dev.kiln.gitops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An {@code allowed_signers} file as {@code ssh-keygen(1)} defines it (git's {@code
 * gpg.ssh.allowedSignersFile}): one line per key, {@code principals [options] keytype base64-key
 * [comment]}, with the options {@code namespaces="git,..."}, {@code valid-after=}, {@code
 * valid-before=} (YYYYMMDD[HHMM[SS]][Z], checked against the commit's committer time, as git does)
 * and {@code cert-authority} (certificates are refused: a line with it is an error, so no key is
 * silently ignored). A bad line is refused with its file:line, and nothing is trusted from that
 * file.
 */
public final class AllowedSigners {
  /** One key and who it speaks for. */
  record Signer(
      String principals,
      byte[] key,
      Optional<List<String>> namespaces,
      Optional<Instant> validAfter,
      Optional<Instant> validBefore) {
    boolean allows(String namespace, Instant when) {
      return namespaces.map(n -> n.contains(namespace)).orElse(true)
          && validAfter.map(a -> !when.isBefore(a)).orElse(true)
          && validBefore.map(b -> when.isBefore(b)).orElse(true);
    }
  }

  private final Path file;
  private final List<Signer> signers;

  private AllowedSigners(Path file, List<Signer> signers) {
    this.file = file;
    this.signers = List.copyOf(signers);
  }

  public static AllowedSigners load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new GitOpsException(
          file + ": cannot read the allowed signers file (" + e.getMessage() + ")");
    }
    return parse(file, text);
  }

  static AllowedSigners parse(Path file, String text) {
    List<Signer> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      try {
        out.add(line(line));
      } catch (RuntimeException e) {
        throw new GitOpsException(
            file
                + ":"
                + (i + 1)
                + ": "
                + e.getMessage()
                + " (expected: principals [options] keytype base64-key [comment], e.g."
                + " alice@example.com ssh-ed25519 AAAAC3Nza...)");
      }
    }
    if (out.isEmpty())
      throw new GitOpsException(
          file + ": no signer in the allowed signers file; nothing could pass");
    return new AllowedSigners(file, out);
  }

  private static Signer line(String line) {
    List<String> t = tokens(line);
    if (t.size() < 3) throw new IllegalArgumentException("too few fields");
    String principals = unquote(t.get(0));
    int k = 1;
    Optional<List<String>> namespaces = Optional.empty();
    Optional<Instant> after = Optional.empty();
    Optional<Instant> before = Optional.empty();
    if (!isKeyType(t.get(1))) {
      for (String opt : splitOptions(t.get(1))) {
        int eq = opt.indexOf('=');
        String name = (eq < 0 ? opt : opt.substring(0, eq)).toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : unquote(opt.substring(eq + 1));
        switch (name) {
          case "namespaces" -> namespaces = Optional.of(List.of(value.split(",")));
          case "valid-after" -> after = Optional.of(time(value));
          case "valid-before" -> before = Optional.of(time(value));
          case "cert-authority" ->
              throw new IllegalArgumentException(
                  "cert-authority lines are not supported; list the signers' keys themselves");
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      k = 2;
    }
    if (t.size() < k + 2) throw new IllegalArgumentException("no key after the options");
    String type = t.get(k);
    if (!isKeyType(type)) throw new IllegalArgumentException("unknown key type " + type);
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(t.get(k + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the key is not base64");
    }
    if (!SshKeys.type(blob).equals(type))
      throw new IllegalArgumentException("the key is a " + SshKeys.type(blob) + ", not " + type);
    SshKeys.publicKey(blob); // refuses types we cannot verify, now rather than at the first commit
    return new Signer(principals, blob, namespaces, after, before);
  }

  private static boolean isKeyType(String s) {
    return s.startsWith("ssh-") || s.startsWith("ecdsa-") || s.startsWith("sk-");
  }

  private static Instant time(String v) {
    boolean utc = v.endsWith("Z") || v.endsWith("z");
    String digits = utc ? v.substring(0, v.length() - 1) : v;
    String pattern =
        switch (digits.length()) {
          case 8 -> "yyyyMMdd";
          case 12 -> "yyyyMMddHHmm";
          case 14 -> "yyyyMMddHHmmss";
          default ->
              throw new IllegalArgumentException("bad time " + v + " (YYYYMMDD[HHMM[SS]][Z])");
        };
    String full = digits.length() == 8 ? digits + "0000" : digits;
    String p = pattern.equals("yyyyMMdd") ? "yyyyMMddHHmm" : pattern;
    LocalDateTime t = LocalDateTime.parse(full, DateTimeFormatter.ofPattern(p));
    return t.atZone(utc ? ZoneOffset.UTC : ZoneId.systemDefault()).toInstant();
  }

  private static List<String> tokens(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') quoted = !quoted;
      if (!quoted && Character.isWhitespace(c)) {
        if (!cur.isEmpty()) out.add(cur.toString());
        cur.setLength(0);
      } else cur.append(c);
    }
    if (quoted) throw new IllegalArgumentException("unterminated quote");
    if (!cur.isEmpty()) out.add(cur.toString());
    return out;
  }

  private static List<String> splitOptions(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char c : s.toCharArray()) {
      if (c == '"') quoted = !quoted;
      if (!quoted && c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }

  /** The principals of the first line that lists {@code key} and allows the namespace then. */
  Optional<String> principalsFor(byte[] key, String namespace, Instant when) {
    return signers.stream()
        .filter(s -> SshKeys.same(s.key(), key) && s.allows(namespace, when))
        .map(Signer::principals)
        .findFirst();
  }

  public Path file() {
    return file;
  }

  public int size() {
    return signers.size();
  }
}
