package dev.kiln.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of a backend connection. While a request uses the connection it is bound to that
 * request's {@link ClientHandler} and passes everything to its {@link ResponseRelay}; while pooled
 * it only watches for the backend closing the idle connection.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  /** The table entry this connection last served; changes only when a swap relabels an address. */
  BackendState backend;

  private final ConnectionPool pool;
  private @Nullable ClientHandler owner;

  UpstreamHandler(BackendState backend, ConnectionPool pool) {
    this.backend = backend;
    this.pool = pool;
  }

  void bind(ClientHandler client, BackendState b) {
    owner = client;
    if (b != backend) { // a pooled connection to this address, now serving another table entry
      backend.connections.remove(ctx.channel());
      b.connections.add(ctx.channel());
      backend = b;
    }
  }

  @SuppressWarnings("NullAway.Init") // set in handlerAdded, before the connection is used
  private ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void unbind() {
    owner = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (owner != null) {
      ResponseRelay.read(owner, msg);
    } else {
      // bytes nobody asked for on an idle connection: its framing can no longer be trusted
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (owner != null) ResponseRelay.readComplete(owner);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (owner != null) ResponseRelay.writabilityChanged(owner, ctx.channel().isWritable());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ClientHandler o = owner;
    owner = null;
    if (o != null) ResponseRelay.closed(o, null);
    else pool.remove(backend.backend.address(), ctx.channel());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ClientHandler o = owner;
    owner = null;
    ctx.close();
    if (o != null) ResponseRelay.closed(o, cause);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      if (owner != null) ResponseRelay.idle(owner);
      else ctx.close(); // idle in the pool for a whole response timeout: let it go
    }
  }
}
