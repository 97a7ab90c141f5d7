package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Route;
import dev.kiln.testkit.TestCa;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC through the router: a grpc-java server as the backend, a grpc-java client speaking h2c by
 * prior knowledge to the router's plain listener. The call's status and trailers (grpc-status, a
 * custom trailer) arrive through the router — on success, and as a trailers-only error.
 */
@Timeout(120)
class RouterGrpcIT {
  private static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("x-kiln-trailer", Metadata.ASCII_STRING_MARSHALLER);

  private static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<String, String> SAY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("kiln.test.Echo/Say")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private static final MethodDescriptor<String, String> COUNT =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName("kiln.test.Echo/Count")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private static final MethodDescriptor<String, String> CHAT =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("kiln.test.Echo/Chat")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private Server server;
  private Router router;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    if (router != null) router.close();
    if (server != null) server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void aUnaryCall_passesWithItsStatusAndTrailers_andAnErrorStatusArrivesAsSent() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(echo(), trailer("kept")))
            .build()
            .start();
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of(
                        "echo",
                        new Route("*", "/"),
                        List.of(
                            new Backend(
                                "echo-1",
                                "1",
                                new InetSocketAddress("127.0.0.1", server.getPort()),
                                1))))));
    InetSocketAddress at = RouterFixture.address(router);
    channel =
        NettyChannelBuilder.forAddress(at.getHostString(), at.getPort()).usePlaintext().build();

    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    var captured =
        ClientInterceptors.intercept(
            channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    for (int i = 0; i < 20; i++) {
      // several calls: streams of one pooled h2c connection to the backend
      assertThat(ClientCalls.blockingUnaryCall(captured, SAY, CallOptions.DEFAULT, "hi " + i))
          .isEqualTo("echo: hi " + i);
    }
    assertThat(trailers.get().get(TRAILER)).isEqualTo("kept");
    assertThat(headers.get().get(Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER)))
        .startsWith("application/grpc");

    // an error before any message: grpc-java answers with trailers only (one HEADERS frame)
    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(captured, SAY, CallOptions.DEFAULT, "missing"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).isEqualTo("no such greeting: missing");
              assertThat(e.getTrailers().get(TRAILER)).isEqualTo("kept");
            });

    // concurrent calls share the h2c connection being opened and its streams
    var calls =
        new java.util.ArrayList<com.google.common.util.concurrent.ListenableFuture<String>>();
    for (int i = 0; i < 50; i++)
      calls.add(ClientCalls.futureUnaryCall(channel.newCall(SAY, CallOptions.DEFAULT), "c" + i));
    for (int i = 0; i < 50; i++)
      assertThat(calls.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("echo: c" + i);

    // a server-streaming call: every message, then the status
    var counted = new java.util.ArrayList<String>();
    ClientCalls.blockingServerStreamingCall(channel, COUNT, CallOptions.DEFAULT, "200")
        .forEachRemaining(counted::add);
    assertThat(counted).hasSize(200).startsWith("0").endsWith("199");

    // a bidirectional call: each message answered while the request stream is still open
    var replies = new java.util.concurrent.LinkedBlockingQueue<String>();
    var closed = new java.util.concurrent.CompletableFuture<Status>();
    var requests =
        io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
            channel.newCall(CHAT, CallOptions.DEFAULT),
            new io.grpc.stub.StreamObserver<String>() {
              @Override
              public void onNext(String value) {
                replies.add(value);
              }

              @Override
              public void onError(Throwable t) {
                closed.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                closed.complete(Status.OK);
              }
            });
    for (int i = 0; i < 5; i++) {
      requests.onNext("m" + i);
      assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("re: m" + i);
    }
    requests.onCompleted();
    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);

    // counted like any request
    var echo = router.metrics().services().get(0);
    assertThat(echo.total().requests()).isGreaterThanOrEqualTo(73);
  }

  @Test
  void overTls_h2ByAlpn_theCallPassesToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    TestCa ca = new TestCa(dir);
    TestCa.Leaf leaf = ca.issue("grpc", 30, "grpc.test");
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(echo(), trailer("over tls")))
            .build()
            .start();
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of(
                            "echo",
                            new Route("grpc.test", "/"),
                            List.of(
                                new Backend(
                                    "echo-1",
                                    "1",
                                    new InetSocketAddress("127.0.0.1", server.getPort()),
                                    1)))
                        .withTls(TestSites.site(leaf)))),
            c -> c.tlsListeners(List.of(new InetSocketAddress("127.0.0.1", 0))));
    InetSocketAddress https = router.tlsAddresses().get(0);
    channel =
        NettyChannelBuilder.forAddress(https.getHostString(), https.getPort())
            .overrideAuthority("grpc.test")
            .sslContext(
                io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                    .trustManager(ca.caCert.toFile())
                    .build())
            .build();
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    var captured =
        ClientInterceptors.intercept(
            channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    assertThat(ClientCalls.blockingUnaryCall(captured, SAY, CallOptions.DEFAULT, "secure"))
        .isEqualTo("echo: secure");
    assertThat(trailers.get().get(TRAILER)).isEqualTo("over tls");
  }

  private static ServerServiceDefinition echo() {
    return ServerServiceDefinition.builder("kiln.test.Echo")
        .addMethod(
            SAY,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  if (request.equals("missing")) {
                    response.onError(
                        Status.NOT_FOUND
                            .withDescription("no such greeting: " + request)
                            .asRuntimeException());
                    return;
                  }
                  response.onNext("echo: " + request);
                  response.onCompleted();
                }))
        .addMethod(
            COUNT,
            ServerCalls.asyncServerStreamingCall(
                (request, response) -> {
                  for (int i = 0; i < Integer.parseInt(request); i++)
                    response.onNext(Integer.toString(i));
                  response.onCompleted();
                }))
        .addMethod(
            CHAT,
            ServerCalls.asyncBidiStreamingCall(
                response ->
                    new io.grpc.stub.StreamObserver<String>() {
                      @Override
                      public void onNext(String value) {
                        response.onNext("re: " + value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        response.onCompleted();
                      }
                    }))
        .build();
  }

  /** Adds {@code x-kiln-trailer} to every call's trailers, as a server would add its own. */
  private static ServerInterceptor trailer(String value) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata requestHeaders, ServerCallHandler<Q, R> next) {
        return next.startCall(
            new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata t) {
                t.put(TRAILER, value);
                super.close(status, t);
              }
            },
            requestHeaders);
      }
    };
  }
}
