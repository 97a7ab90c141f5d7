package dev.kiln.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;

/** Swaps the HTTP codecs out of both pipelines once the backend agreed to switch protocols. */
final class Tunnel {
  private Tunnel() {}

  static void open(
      ClientHandler client, ChannelHandlerContext ctx, Channel upstream, HttpResponse resp) {
    ResponseRelay.tunnelOpened(client);
    ctx.writeAndFlush(resp);
    ctx.pipeline().remove(HttpServerCodec.class);
    upstream.pipeline().remove(HttpClientCodec.class);
    upstream.pipeline().remove("idle");
    ctx.flush();
    upstream.flush();
  }
}
