package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

class TransportTest {

  @Test
  void byDefault_theRouterTakesIoUring_whereTheKernelAllowsIt_elseEpoll() {
    Transport expected =
        IoUring.isAvailable()
            ? Transport.IO_URING
            : Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
    assertThat(Transport.choose(null)).isEqualTo(expected);
  }

  @Test
  void epollAndNio_canBeChosen_forAnABMeasurement() {
    assertThat(Transport.choose("nio")).isEqualTo(Transport.NIO);
    assertThat(Transport.choose(" EPOLL "))
        .isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
  }

  @Test
  void anUnknownTransport_isRefused_namingTheChoices() {
    assertThatThrownBy(() -> Transport.choose("kqueue"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kiln.router.transport=kqueue: expected io_uring, epoll or nio");
  }
}
