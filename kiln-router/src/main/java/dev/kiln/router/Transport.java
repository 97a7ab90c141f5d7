package dev.kiln.router;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The router's I/O transport: io_uring where the kernel allows it, native epoll where it does not
 * (a seccomp profile that blocks io_uring, as Docker's default does, or a kernel older than 5.14),
 * NIO elsewhere.
 *
 * <p>Why io_uring first: on loopback the router's CPU is ~80% kernel, and it makes the same
 * recv/send calls per request as HAProxy; what costs more is waking up. io_uring submits a loop's
 * reads and writes and waits for their completions in one {@code io_uring_enter}, where epoll needs
 * a wait plus a call per socket: measured beside epoll in the same run (bench/router.sh prints
 * both), 3–7% more requests/s at ~9% less CPU per request.
 *
 * <p>{@code -Dkiln.router.transport=io_uring|epoll|nio} picks one (the bench's A/B); an unavailable
 * choice falls back down the list. The older {@code -Dkiln.router.nio=true} still means nio.
 */
enum Transport {
  IO_URING,
  EPOLL,
  NIO;

  private static final Transport CHOSEN = choose(System.getProperty("kiln.router.transport"));

  /** The transport this process uses. */
  static Transport chosen() {
    return CHOSEN;
  }

  static Transport choose(String wanted) {
    String w =
        Boolean.getBoolean("kiln.router.nio")
            ? "nio"
            : wanted == null ? "io_uring" : wanted.trim().toLowerCase(Locale.ROOT);
    Transport first =
        switch (w) {
          case "io_uring", "iouring", "uring" -> IO_URING;
          case "epoll" -> EPOLL;
          case "nio" -> NIO;
          default ->
              throw new IllegalArgumentException(
                  "kiln.router.transport=" + wanted + ": expected io_uring, epoll or nio");
        };
    if (first == IO_URING && IoUring.isAvailable()) return IO_URING;
    if (first != NIO && Epoll.isAvailable()) return EPOLL;
    return NIO;
  }

  /** The name the router's banner and metrics print. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static EventLoopGroup group(int threads, ThreadFactory factory) {
    return new MultiThreadIoEventLoopGroup(threads, factory, CHOSEN.handlers());
  }

  private IoHandlerFactory handlers() {
    return switch (this) {
      case IO_URING -> IoUringIoHandler.newFactory();
      case EPOLL -> EpollIoHandler.newFactory();
      case NIO -> NioIoHandler.newFactory();
    };
  }

  static Class<? extends ServerChannel> serverChannel() {
    return switch (CHOSEN) {
      case IO_URING -> IoUringServerSocketChannel.class;
      case EPOLL -> EpollServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }

  static Class<? extends SocketChannel> clientChannel() {
    return switch (CHOSEN) {
      case IO_URING -> IoUringSocketChannel.class;
      case EPOLL -> EpollSocketChannel.class;
      case NIO -> NioSocketChannel.class;
    };
  }
}
