package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NetTablesTest {
  private static final String SOCKSTAT =
      """
      sockets: used 14
      TCP: inuse 12 orphan 0 tw 742 alloc 2 mem 0
      UDP: inuse 0 mem 0
      """;

  private static long count(String text, String prefix) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    return NetTables.countAfter(bytes, bytes.length, prefix);
  }

  @Test
  void readsTheCountAfterALinesPrefix() {
    assertThat(count(SOCKSTAT, "TCP: inuse ")).isEqualTo(12);
    assertThat(count("TCP6: inuse 3\nUDP6: inuse 0\n", "TCP6: inuse ")).isEqualTo(3);
  }

  @Test
  void aPrefixInsideALine_orNoNumber_orNoLine_isMinusOne() {
    assertThat(count("xTCP: inuse 5\n", "TCP: inuse ")).isEqualTo(-1);
    assertThat(count("TCP: inuse x\n", "TCP: inuse ")).isEqualTo(-1);
    assertThat(count("", "TCP: inuse ")).isEqualTo(-1);
    assertThat(count("TCP: inuse ", "TCP: inuse ")).isEqualTo(-1);
  }

  @Test
  void onlyTheFilledPartOfTheBufferCounts() {
    byte[] bytes = "TCP: inuse 12345\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(NetTables.countAfter(bytes, 13, "TCP: inuse ")).isEqualTo(12);
  }
}
