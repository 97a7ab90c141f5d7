package dev.kiln.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Which HTTP a client connection speaks, and the pipeline for it. HTTP/1.1: the codec and one
 * {@link ClientHandler} for the connection. HTTP/2 (ALPN "h2" over TLS, or the prior-knowledge
 * preface on a plain listener): each stream is a child channel whose frames become HTTP/1 objects
 * ({@link Http2StreamFrameToHttpObjectCodec}) for its own {@link ClientHandler}, so a stream is
 * routed, weighted, counted and drained exactly like an HTTP/1.1 request, and its backend
 * connection is an ordinary pooled HTTP/1.1 one on the same event loop.
 */
final class Protocols {
  private Protocols() {}

  /** ALPN offered on the TLS listeners: h2 first, HTTP/1.1 for everyone else. */
  static final ApplicationProtocolConfig ALPN =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_2,
          ApplicationProtocolNames.HTTP_1_1);

  /** Streams one client may have open at once (HAProxy and nginx default to 100 and 128). */
  static final int MAX_CONCURRENT_STREAMS = 128;

  static void http1(ChannelPipeline p, RouterCore core, boolean secure) {
    RouterConfig c = core.config;
    ReadActivity activity = new ReadActivity(core.ticker);
    p.addLast(activity)
        .addLast(new HttpServerCodec(c.maxInitialLineLength(), c.maxHeaderSize(), 65536))
        .addLast(new ClientHandler(core, activity, secure));
  }

  static void h2(ChannelPipeline p, RouterCore core, boolean secure) {
    RouterConfig c = core.config;
    Http2FrameCodec codec =
        Http2FrameCodecBuilder.forServer()
            .initialSettings(
                Http2Settings.defaultSettings()
                    .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                    .maxHeaderListSize(c.maxHeaderSize()))
            .validateHeaders(true)
            .build();
    // an h2 connection without streams is idle like a keep-alive HTTP/1.1 one: closed (GOAWAY)
    // after the idle timeout; streams have their own deadlines in their ClientHandler
    p.addLast(new IdleStateHandler(0, 0, c.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
        .addLast(codec)
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                  ctx.close();
                } else {
                  ctx.fireUserEventTriggered(evt);
                }
              }
            })
        .addLast(
            new Http2MultiplexHandler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel stream) {
                    ReadActivity activity = new ReadActivity(core.ticker);
                    stream
                        .pipeline()
                        .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                        .addLast(activity)
                        .addLast(new ClientHandler(core, activity, secure));
                  }
                }));
  }

  /** After the TLS handshake: h2 or HTTP/1.1, as ALPN agreed (no ALPN = HTTP/1.1). */
  static final class Alpn extends ApplicationProtocolNegotiationHandler {
    private final RouterCore core;

    Alpn(RouterCore core) {
      super(ApplicationProtocolNames.HTTP_1_1);
      this.core = core;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      if (protocol.equals(ApplicationProtocolNames.HTTP_2)) h2(ctx.pipeline(), core, true);
      else http1(ctx.pipeline(), core, true);
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a failed handshake is the client's business, not a log line per scanner
    }
  }

  /**
   * On a plain listener: a connection that opens with the HTTP/2 preface ("PRI * HTTP/2.0...")
   * speaks h2c by prior knowledge, any other is HTTP/1.1. Decided on the first bytes; a client that
   * sends nothing is closed after the request header timeout, as an HTTP/1.1 one would be.
   */
  static final class PriorKnowledge extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final RouterCore core;
    private @Nullable ScheduledFuture<?> silent;

    PriorKnowledge(RouterCore core) {
      this.core = core;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      silent =
          ctx.executor()
              .schedule(
                  () -> {
                    ctx.close();
                  },
                  core.headerTimeoutNanos,
                  TimeUnit.NANOSECONDS);
      super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
      if (prefix && n < PREFACE.readableBytes()) return; // could still be either: wait
      if (silent != null) silent.cancel(false);
      Channel ch = ctx.channel();
      if (prefix) h2(ch.pipeline(), core, false);
      else http1(ch.pipeline(), core, false);
      ctx.pipeline().remove(this); // hands what was read so far to the handlers just added
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
      if (silent != null) silent.cancel(false);
    }
  }
}
