package dev.kiln.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits before the HTTP decoder and notes when bytes arrive, which the decoder hides: a request head
 * that started but never finished (slowloris) and an upload that stalled both show up here.
 */
final class ReadActivity extends ChannelInboundHandlerAdapter {
  private final Ticker ticker;
  long lastRead;
  long headStarted; // 0 while no byte of the next request head has arrived
  long idleSince;
  boolean awaitingHead;

  ReadActivity(Ticker ticker) {
    this.ticker = ticker;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long now = ticker.nanos();
    lastRead = now;
    if (awaitingHead && headStarted == 0) headStarted = now;
    ctx.fireChannelRead(msg);
  }

  void awaitHead(long now) {
    awaitingHead = true;
    headStarted = 0;
    idleSince = now;
    lastRead = now;
  }

  void headReceived() {
    awaitingHead = false;
    headStarted = 0;
  }
}
