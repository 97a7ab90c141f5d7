package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStreamClientTest {
  private static List<EventStreamClient.Event> parse(String stream) {
    EventStreamClient.Parser p = new EventStreamClient.Parser();
    List<EventStreamClient.Event> out = new ArrayList<>();
    for (String line : stream.split("\n", -1)) p.line(line).ifPresent(out::add);
    return out;
  }

  @Test
  void eventsAreIdAndData_commentsAndRetryAreSkipped() {
    assertThat(
            parse(
                "retry: 1000\n: kiln journal after 0\n\nid: 1\ndata: {\"seq\":1}\n\n"
                    + ": heartbeat\n\nid: 2\ndata: {\"a\":\ndata: 2}\n\n"))
        .containsExactly(
            new EventStreamClient.Event(1, "{\"seq\":1}"),
            new EventStreamClient.Event(2, "{\"a\":\n2}"));
  }

  @Test
  void anUnfinishedEventIsNotHandedOn() {
    assertThat(parse("id: 7\ndata: {}")).isEmpty();
  }
}
