package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** Which requests need HTTP/2 to their backend. */
class GrpcUpstreamTest {
  @Test
  void grpcAndItsSubtypesGoOverH2_grpcWebAndOthersDoNot() {
    assertThat(grpc("application/grpc")).isTrue();
    assertThat(grpc("application/grpc+proto")).isTrue();
    assertThat(grpc("Application/GRPC+json")).isTrue();
    assertThat(grpc("application/grpc; charset=utf-8")).isTrue();
    assertThat(grpc("application/grpc-web")).isFalse();
    assertThat(grpc("application/grpc-web-text")).isFalse();
    assertThat(grpc("application/json")).isFalse();
    assertThat(grpc(null)).isFalse();
  }

  private static boolean grpc(String contentType) {
    var r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/pkg.Svc/Call");
    if (contentType != null) r.headers().set("content-type", contentType);
    return GrpcUpstream.isGrpc(r);
  }
}
