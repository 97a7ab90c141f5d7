package dev.kiln.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The API's two doors, both HTTP/1.1 on Netty: the unix socket {@code $KILN_HOME/api.sock}, where
 * the caller is the peer's uid, and a TCP address, where every request — loopback included — must
 * carry the bearer token. Bodies are capped at {@link #MAX_BODY}: a larger one is answered 413
 * without being read. Requests run on virtual threads, as they wait for the executor thread.
 */
final class ApiListeners implements AutoCloseable {
  static final int MAX_BODY = 4 * 1024 * 1024;

  private final EpollEventLoopGroup group;
  private final Channel tcp;
  private final ApiSocket socket;

  private ApiListeners(EpollEventLoopGroup group, Channel tcp, ApiSocket socket) {
    this.group = group;
    this.tcp = tcp;
    this.socket = socket;
  }

  static ApiListeners start(
      InetSocketAddress address,
      Path home,
      ApiToken token,
      Function<ApiRequest, ? extends ApiReply> handler) {
    return start(address, home, token, Optional.empty(), handler);
  }

  /**
   * With {@code sessions}, the TCP listener also accepts the dashboard's session cookie, within the
   * bounds {@link WebGate} sets.
   */
  static ApiListeners start(
      InetSocketAddress address,
      Path home,
      ApiToken token,
      Optional<UiSessions> sessions,
      Function<ApiRequest, ? extends ApiReply> handler) {
    if (!io.netty.channel.epoll.Epoll.isAvailable()) {
      throw new ServerException(
          "the API's unix socket needs Netty's native epoll transport (Linux x86_64), which did not"
              + " load: "
              + io.netty.channel.epoll.Epoll.unavailabilityCause());
    }
    EpollEventLoopGroup group =
        new EpollEventLoopGroup(1, new DefaultThreadFactory("kiln-api", true));
    Channel tcp = null;
    try {
      String hint =
          "missing or wrong bearer token; send Authorization: Bearer <token> (the token is in "
              + home.resolve("api-token")
              + "), or use the unix socket "
              + home.resolve(ApiSocket.NAME);
      tcp =
          new ServerBootstrap()
              .group(group)
              .channel(EpollServerSocketChannel.class)
              .childHandler(pipeline(handler, gateOf(new WebGate(token, sessions, hint))))
              .bind(address)
              .syncUninterruptibly()
              .channel();
      ApiSocket socket =
          ApiSocket.bind(
              new ServerBootstrap()
                  .group(group)
                  .channel(EpollServerDomainSocketChannel.class)
                  .childHandler(
                      pipeline(
                          handler,
                          (ch, method, path, h) ->
                              new WebGate.Access.Granted(
                                  ApiSocket.principal(
                                      ((EpollDomainSocketChannel) ch).peerCredentials())))),
              home);
      return new ApiListeners(group, tcp, socket);
    } catch (RuntimeException e) {
      if (tcp != null) tcp.close().syncUninterruptibly();
      group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
      if (e instanceof ServerException) throw e;
      throw new ServerException(
          "cannot listen on "
              + address
              + ": "
              + e.getMessage()
              + " (is another kiln server running? choose another address with --api)",
          e);
    }
  }

  /** Who sent a request on this channel with these headers, and whether they may. */
  private interface Authenticator {
    WebGate.Access decide(Channel channel, String method, String path, Map<String, String> headers)
        throws Exception;
  }

  private static ChannelInitializer<Channel> pipeline(
      Function<ApiRequest, ? extends ApiReply> handler, Authenticator auth) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline()
            .addLast(new HttpServerCodec(8192, 16384, 8192))
            .addLast(new DeclaredTooLarge())
            .addLast(new HttpObjectAggregator(MAX_BODY))
            .addLast(new Dispatch(handler, auth));
      }
    };
  }

  /**
   * A request that declares a body over the limit is answered 413 and the connection closed at
   * once: nothing of it is read (the aggregator alone would answer, then read and discard it all).
   * A chunked body is cut off by the aggregator when it passes the limit.
   */
  private static final class DeclaredTooLarge
      extends io.netty.channel.ChannelInboundHandlerAdapter {
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refused) {
        io.netty.util.ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof io.netty.handler.codec.http.HttpRequest req
          && HttpUtil.getContentLength(req, -1L) > MAX_BODY) {
        refused = true;
        io.netty.util.ReferenceCountUtil.release(msg);
        Dispatch.reply(
            ctx,
            ApiResponse.error(413, "the request body is over the limit of " + MAX_BODY + " bytes"),
            false);
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  private static Authenticator gateOf(WebGate gate) {
    return (ch, method, path, headers) -> gate.decide(method, path, headers);
  }

  private static final AttributeKey<Runnable> ON_CHANGE = AttributeKey.valueOf("kiln-stream");

  private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Function<ApiRequest, ? extends ApiReply> handler;
    private final Authenticator auth;

    Dispatch(Function<ApiRequest, ? extends ApiReply> handler, Authenticator auth) {
      this.handler = handler;
      this.auth = auth;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (req.decoderResult().isFailure()) {
        reply(ctx, ApiResponse.error(400, "malformed HTTP request"), false);
        return;
      }
      Map<String, String> headers = new HashMap<>();
      req.headers()
          .forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      byte[] body = ByteBufUtil.getBytes(req.content());
      String method = req.method().name();
      String rawUri = req.uri();
      Thread.ofVirtual()
          .name("kiln-api")
          .start(
              () -> {
                ApiReply r;
                try {
                  URI uri = new URI(rawUri);
                  String path = uri.getPath() == null ? "" : uri.getPath();
                  r =
                      switch (auth.decide(ctx.channel(), method, path, headers)) {
                        case WebGate.Access.Denied d -> ApiResponse.error(d.status(), d.message());
                        case WebGate.Access.Granted g ->
                            handler.apply(
                                new ApiRequest(method, uri, headers, body, g.principal()));
                      };
                } catch (URISyntaxException e) {
                  r = ApiResponse.error(400, "malformed request target: " + e.getMessage());
                } catch (Exception e) {
                  r = ApiResponse.error(500, "internal error: " + e + "; see the server log");
                }
                switch (r) {
                  case ApiResponse full -> reply(ctx, full, keepAlive);
                  case ApiStream s -> stream(ctx, s);
                }
              });
    }

    /**
     * The head of an event stream, then the stream itself: written by whoever holds the sink, until
     * it or the client closes. The response ends with the connection (no length, no chunks).
     */
    private static void stream(ChannelHandlerContext ctx, ApiStream s) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      head.headers().set("X-Accel-Buffering", "no");
      ctx.writeAndFlush(head);
      s.open().accept(new ChannelSink(ctx.channel()));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Runnable r = ctx.channel().attr(ON_CHANGE).get();
      if (r != null) r.run();
      ctx.fireChannelWritabilityChanged();
    }

    private static void reply(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive) {
      FullHttpResponse resp =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(r.status()),
              Unpooled.wrappedBuffer(r.body()));
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.type());
      r.headers().forEach((k, v) -> resp.headers().set(k, v));
      HttpUtil.setContentLength(resp, r.body().length);
      if (keepAlive) resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      else resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      var f = ctx.writeAndFlush(resp);
      if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** An event stream on a Netty channel. */
  private static final class ChannelSink implements EventSink {
    private final Channel channel;

    ChannelSink(Channel channel) {
      this.channel = channel;
    }

    @Override
    public boolean writable() {
      return channel.isActive() && channel.isWritable();
    }

    @Override
    public boolean closed() {
      return !channel.isActive();
    }

    @Override
    public void write(String text) {
      if (!channel.isActive()) return;
      channel.writeAndFlush(
          new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
      if (!channel.isActive()) return;
      channel
          .writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void onChange(Runnable listener) {
      channel.attr(ON_CHANGE).set(listener);
      channel.closeFuture().addListener(f -> listener.run());
    }
  }

  InetSocketAddress tcpAddress() {
    return (InetSocketAddress) tcp.localAddress();
  }

  Path socketPath() {
    return socket.path();
  }

  @Override
  public void close() {
    socket.close();
    tcp.close().syncUninterruptibly();
    group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
