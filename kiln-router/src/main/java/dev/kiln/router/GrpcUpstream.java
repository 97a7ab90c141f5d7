package dev.kiln.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * gRPC to backends. A gRPC request ({@code content-type: application/grpc…}) needs HTTP/2 end to
 * end: its status travels in trailers, which HTTP/1.1 backends' keep-alive framing cannot carry. So
 * such a request goes to its backend as a stream of an h2c (prior knowledge) connection to the
 * instance's port, one connection per backend address and event loop, multiplexed and kept open
 * (the HTTP/1.1 pool's counterpart).
 *
 * <p>The stream's pipeline turns frames back into HTTP/1 objects ({@link
 * Http2StreamFrameToHttpObjectCodec}) and ends with the same {@link UpstreamHandler} as an HTTP/1.1
 * backend connection, so the request is routed, weighted, counted, timed out and drained like any
 * other; trailers ride in the {@code LastHttpContent} both codecs map them to, and the client's h2
 * stream gets them as its final HEADERS frame. Everything runs on the client's event loop.
 */
final class GrpcUpstream {
  private static final AsciiString GRPC = AsciiString.cached("application/grpc");
  private static final AsciiString TRAILERS = AsciiString.cached("trailers");

  private final RouterCore core;
  private final Bootstrap bootstrap;

  /** An h2c connection to one backend address, and when it may carry streams. */
  private record Connection(Channel channel, Promise<Void> ready) {}

  private final FastThreadLocal<Map<InetSocketAddress, Connection>> connections =
      new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, Connection> initialValue() {
          return new HashMap<>();
        }
      };

  GrpcUpstream(RouterCore core) {
    this.core = core;
    this.bootstrap =
        new Bootstrap()
            .channel(Transport.clientChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) core.config.connectTimeout().toMillis());
  }

  /**
   * Whether the request is gRPC: {@code application/grpc}, {@code application/grpc+proto}, {@code
   * +json}… but not gRPC-Web ({@code application/grpc-web}), which HTTP/1.1 carries.
   */
  static boolean isGrpc(HttpRequest request) {
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !type.regionMatches(true, 0, GRPC.toString(), 0, GRPC.length()))
      return false;
    if (type.length() == GRPC.length()) return true;
    char next = type.charAt(GRPC.length());
    return next == '+' || next == ';';
  }

  /**
   * gRPC servers expect {@code te: trailers} (the proxy's hop-by-hop rewrite removed the client's).
   */
  static void prepare(HttpRequest request) {
    request.headers().set(HttpHeaderNames.TE, TRAILERS);
  }

  /**
   * Opens a stream to {@code b} on {@code loop} (the loop of the client that needs it): on the
   * connection already open to its address, else on a new one. The stream's last handler is an
   * {@link UpstreamHandler}.
   */
  Future<Channel> open(BackendState b, EventLoop loop) {
    Promise<Channel> result = loop.newPromise();
    InetSocketAddress address = b.backend.address();
    Map<InetSocketAddress, Connection> open = connections.get();
    Connection known = open.get(address);
    if (known != null && known.channel.isOpen()) {
      // open, or still connecting: streams wait for its preface, then share it
      known.ready.addListener(
          f -> {
            if (f.isSuccess()) stream(known.channel, b, result);
            else result.tryFailure(f.cause());
          });
      return result;
    }
    // streams may open once the connection preface went out, i.e. after channelActive passed the
    // codec (the connect future completes before that)
    Promise<Void> ready = loop.newPromise();
    ChannelFuture connecting =
        bootstrap
            .clone(loop)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(Http2FrameCodecBuilder.forClient().build())
                        .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelActive(ChannelHandlerContext ctx) {
                                ctx.fireChannelActive();
                                ready.trySuccess(null);
                                ctx.pipeline().remove(this);
                              }
                            });
                  }
                })
            .connect(address);
    Channel ch = connecting.channel();
    Connection connection = new Connection(ch, ready);
    open.put(address, connection);
    ch.closeFuture()
        .addListener(
            f -> {
              if (open.get(address) == connection) open.remove(address);
              ready.tryFailure(new java.io.IOException("h2c connection to " + address + " closed"));
            });
    connecting.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) ready.tryFailure(f.cause());
            });
    ready.addListener(
        f -> {
          if (f.isSuccess()) stream(ch, b, result);
          else result.tryFailure(f.cause());
        });
    return result;
  }

  private void stream(Channel parent, BackendState b, Promise<Channel> result) {
    long responseTimeout = core.config.responseTimeout().toNanos();
    ConnectionPool pool = core.pool();
    new Http2StreamChannelBootstrap(parent)
        .handler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline()
                    .addLast(
                        "idle", new IdleStateHandler(responseTimeout, 0, 0, TimeUnit.NANOSECONDS))
                    .addLast("h2", new Http2StreamFrameToHttpObjectCodec(false))
                    .addLast("upstream", new UpstreamHandler(b, pool));
                b.connections.add(ch);
              }
            })
        .open()
        .addListener(
            f -> {
              if (f.isSuccess()) result.trySuccess((Channel) f.getNow());
              else result.tryFailure(f.cause());
            });
  }
}
