package dev.keelson.apiserver.http;

import dev.keelson.apiserver.ServingLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a connection may cost: Go's HTTP server gives kube-apiserver a header-read timeout (32 s from a request's first
 * byte) and an idle timeout (90 s without a request); a JVM also needs a bound on open connections, and on
 * connections of one client address that have not authenticated (no client certificate, no request with a valid
 * token yet), so neither slowloris clients nor piles of idle TLS connections exhaust file descriptors or memory.
 * Connections in a long-running exchange (a watch, an upgraded exec or port-forward stream) are not timed.
 */
public final class ConnectionGuard implements Handler<HttpConnection> {
    private static final AttributeKey<State> STATE = AttributeKey.valueOf("keelson.connection");
    private final ServingLimits limits;
    private final LoadSheddingLog shedLog;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> unauthenticatedByAddress = new ConcurrentHashMap<>();

    public ConnectionGuard(ServingLimits limits, LoadSheddingLog shedLog) {
        this.limits = limits;
        this.shedLog = shedLog;
    }

    /** Connections open now (for tests and metrics). */
    public int openConnections() {
        return open.get();
    }

    @Override
    public void handle(HttpConnection conn) {
        if (!(conn instanceof ConnectionBase base)) {
            return;
        }
        Channel channel = base.channel();
        String address = conn.remoteAddress() == null ? "?" : conn.remoteAddress().hostAddress();
        State state = new State(channel, address);
        channel.attr(STATE).set(state);
        channel.closeFuture().addListener(f -> state.closed());
        if (open.incrementAndGet() > limits.maxConnections()) {
            state.shed("connection", "open connections at the limit of " + limits.maxConnections());
            return;
        }
        if (!hasClientCertificate(conn)) {
            state.markUnauthenticated();
            int count = unauthenticatedByAddress.merge(address, 1, Integer::sum);
            if (count > limits.maxUnauthenticatedConnectionsPerAddress()) {
                state.shed("connection", "unauthenticated connections from " + address + " at the limit of "
                        + limits.maxUnauthenticatedConnectionsPerAddress());
                return;
            }
        }
        channel.pipeline().addFirst("keelson-bytes", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf) {
                    state.bytesArrived();
                }
                ctx.fireChannelRead(msg);
            }
        });
        String vertxHandler = channel.pipeline().names().contains("handler") ? "handler" : null;
        if (vertxHandler != null) {
            channel.pipeline().addBefore(vertxHandler, "keelson-exchanges", new Exchanges(state));
        }
        state.idle();
    }

    private static boolean hasClientCertificate(HttpConnection conn) {
        try {
            return conn.isSsl() && conn.peerCertificates() != null && !conn.peerCertificates().isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** A request on {@code conn} authenticated: the connection no longer counts against its address's limit. */
    public static void authenticated(HttpConnection conn) {
        if (conn instanceof ConnectionBase base) {
            State state = base.channel().attr(STATE).get();
            if (state != null) {
                state.authenticated();
            }
        }
    }

    /** Requests and responses as they pass the HTTP codec: when a connection waits for one, and when it is busy. */
    private static final class Exchanges extends ChannelDuplexHandler {
        private final State state;

        Exchanges(State state) {
            this.state = state;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                state.requestStarted();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse r && r.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                state.upgraded();
            } else if (msg instanceof LastHttpContent) {
                state.responseEnded();
            }
            ctx.write(msg, promise);
        }
    }

    /** One connection's state; touched only on its event loop, except {@link #authenticated()}. */
    private final class State {
        private final Channel channel;
        private final String address;
        private boolean unauthenticated;
        private boolean waiting;
        private boolean upgraded;
        private int exchanges;
        private ScheduledFuture<?> timer;
        private boolean released;

        State(Channel channel, String address) {
            this.channel = channel;
            this.address = address;
        }

        synchronized void markUnauthenticated() {
            unauthenticated = true;
        }

        void shed(String kind, String why) {
            shedLog.shed(kind, why);
            channel.close();
        }

        /** No request under way: the idle timeout runs until a byte of the next one arrives. */
        void idle() {
            waiting = false;
            schedule(limits.idleTimeout().toMillis(), "idle connection closed after " + limits.idleTimeout());
        }

        void bytesArrived() {
            if (exchanges == 0 && !upgraded && !waiting) {
                waiting = true;
                schedule(limits.headerReadTimeout().toMillis(), "request headers from " + address
                        + " not complete after " + limits.headerReadTimeout());
            }
        }

        void requestStarted() {
            exchanges++;
            waiting = false;
            cancel();
        }

        void responseEnded() {
            if (exchanges > 0 && --exchanges == 0 && !upgraded) {
                idle();
            }
        }

        void upgraded() {
            upgraded = true;
            cancel();
        }

        synchronized void authenticated() {
            if (unauthenticated) {
                unauthenticated = false;
                release();
            }
        }

        private void release() {
            unauthenticatedByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }

        void closed() {
            cancel();
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            open.decrementAndGet();
            authenticated();
        }

        private void schedule(long millis, String why) {
            cancel();
            if (millis > 0) {
                timer = channel.eventLoop().schedule(() -> shed("connection", why), millis, TimeUnit.MILLISECONDS);
            }
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }
}
