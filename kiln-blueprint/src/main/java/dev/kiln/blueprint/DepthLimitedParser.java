package dev.kiln.blueprint;

import java.util.Optional;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * A parser that stops at {@link BlueprintLimits#MAX_DEPTH} levels of nesting. snakeyaml-engine's
 * parser is a state machine, but its composer builds the node tree recursively, so 100,000 nested
 * brackets overflow the stack; counting the events between the two refuses them first, at the
 * position of the collection that goes one level too deep.
 */
final class DepthLimitedParser implements Parser {
  /** Thrown at the first collection past the limit; the composer does not catch it. */
  static final class TooDeep extends RuntimeException {
    private final transient Optional<Mark> mark;

    TooDeep(Optional<Mark> mark) {
      super(null, null, false, false);
      this.mark = mark;
    }

    Optional<Mark> mark() {
      return mark;
    }
  }

  private final Parser parser;
  private final int maxDepth;
  private int depth;

  DepthLimitedParser(Parser parser, int maxDepth) {
    this.parser = parser;
    this.maxDepth = maxDepth;
  }

  @Override
  public boolean checkEvent(Event.ID choice) {
    return parser.checkEvent(choice);
  }

  @Override
  public Event peekEvent() {
    return parser.peekEvent();
  }

  @Override
  public boolean hasNext() {
    return parser.hasNext();
  }

  @Override
  public Event next() {
    Event event = parser.next();
    switch (event.getEventId()) {
      case MappingStart, SequenceStart -> {
        if (++depth > maxDepth) {
          throw new TooDeep(event.getStartMark());
        }
      }
      case MappingEnd, SequenceEnd -> depth--;
      default -> {}
    }
    return event;
  }
}
