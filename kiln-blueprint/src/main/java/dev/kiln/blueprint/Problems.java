package dev.kiln.blueprint;

import dev.kiln.model.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects the problems of one file, so that all of them are reported at once. */
final class Problems {
  private final Path file;
  private final List<Problem> found = new ArrayList<>();

  Problems(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  Location at(Node node) {
    return node.getStartMark().map(this::at).orElse(new Location(file, 0, 0));
  }

  Location at(Mark mark) {
    return new Location(file, mark.getLine() + 1, mark.getColumn() + 1);
  }

  void add(Node node, String message) {
    add(at(node), message, "");
  }

  void add(Node node, String message, String hint) {
    add(at(node), message, hint);
  }

  void add(Location at, String message, String hint) {
    found.add(new Problem(at, message, hint));
  }

  int count() {
    return found.size();
  }

  List<Problem> sorted() {
    return found.stream().sorted(Problem.BY_POSITION).toList();
  }
}
