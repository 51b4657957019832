package dev.keelson.dns;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;

/**
 * Forwards names outside the cluster to the node's upstream resolvers, as CoreDNS's forward and cache plugins do:
 * UDP first, TCP when the answer was truncated and the client asked over TCP; the next server when one does not
 * answer in time; answers kept in a bounded {@link ResponseCache}. Each query goes out under a fresh random id and is
 * matched on id, sender and question, so a spoofed or stray datagram completes nothing.
 */
public final class UpstreamResolver implements DnsAnswerer.Upstream, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamResolver.class);
    /** Queries in flight at once; beyond that a query is answered SERVFAIL at once (a flood must not grow memory). */
    static final int MAX_PENDING = 4096;

    private final Vertx vertx;
    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final ResponseCache cache;
    private final DnsMetrics metrics;
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    private DatagramSocket socket;
    private NetClient tcp;

    private record Pending(int id, Message query, InetSocketAddress server, int serverIndex, boolean tcp,
                           CompletableFuture<Message> result, long timer) {}

    public UpstreamResolver(Vertx vertx, List<InetSocketAddress> servers, Duration timeout, ResponseCache cache,
                            DnsMetrics metrics) {
        this.vertx = vertx;
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
        this.cache = cache;
        this.metrics = metrics;
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    public UpstreamResolver start() {
        try {
            socket = vertx.createDatagramSocket(new DatagramSocketOptions());
            socket.handler(packet -> received(packet.data(), packet.sender().host(), packet.sender().port()));
            socket.listen(0, "0.0.0.0").await(10, TimeUnit.SECONDS);
            tcp = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) timeout.toMillis())
                    .setIdleTimeout((int) timeout.toSeconds() + 1));
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the upstream DNS socket: " + e.getMessage(), e);
        }
        return this;
    }

    @Override
    public CompletionStage<Message> resolve(Message query, boolean overTcp) {
        Message cached = cache.get(query);
        if (cached != null) {
            metrics.cacheHit();
            return CompletableFuture.completedFuture(cached);
        }
        metrics.cacheMiss();
        if (servers.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no upstream DNS servers"));
        }
        CompletableFuture<Message> result = new CompletableFuture<>();
        send(query, 0, overTcp, result);
        return result.thenApply(answer -> {
            cache.put(query, answer);
            return answer;
        });
    }

    private void send(Message query, int serverIndex, boolean overTcp, CompletableFuture<Message> result) {
        if (serverIndex >= servers.size()) {
            result.completeExceptionally(new TimeoutException("no upstream DNS server answered"));
            return;
        }
        if (pending.size() >= MAX_PENDING) {
            result.completeExceptionally(new IOException("too many upstream queries in flight"));
            return;
        }
        InetSocketAddress server = servers.get(serverIndex);
        Message out = query.clone();
        int id = freshId();
        if (id < 0) {
            result.completeExceptionally(new IOException("no free query id"));
            return;
        }
        out.getHeader().setID(id);
        long timer = vertx.setTimer(timeout.toMillis(), t -> {
            Pending p = pending.remove(id);
            if (p != null) {
                send(query, serverIndex + 1, overTcp, result);
            }
        });
        Pending p = new Pending(id, query, server, serverIndex, overTcp, result, timer);
        pending.put(id, p);
        socket.send(Buffer.buffer(out.toWire()), server.getPort(), server.getHostString()).onFailure(e -> {
            if (pending.remove(id, p)) {
                vertx.cancelTimer(timer);
                send(query, serverIndex + 1, overTcp, result);
            }
        });
    }

    private int freshId() {
        for (int i = 0; i < 16; i++) {
            int id = ThreadLocalRandom.current().nextInt(0x10000);
            if (!pending.containsKey(id)) {
                return id;
            }
        }
        return -1;
    }

    private void received(Buffer data, String host, int port) {
        Message answer;
        try {
            answer = new Message(data.getBytes());
        } catch (IOException | RuntimeException e) {
            return;
        }
        Pending p = pending.get(answer.getHeader().getID());
        if (p == null || !answer.getHeader().getFlag(Flags.QR) || p.server.getPort() != port
                || !sameHost(p.server, host) || answer.getQuestion() == null
                || !answer.getQuestion().equals(p.query.getQuestion()) || !pending.remove(p.id, p)) {
            return;
        }
        vertx.cancelTimer(p.timer);
        if (answer.getHeader().getFlag(Flags.TC) && p.tcp) {
            overTcp(p.query, p.server).onComplete(ar -> {
                if (ar.succeeded()) {
                    p.result.complete(ar.result());
                } else {
                    send(p.query, p.serverIndex + 1, true, p.result);
                }
            });
            return;
        }
        p.result.complete(answer);
    }

    private static boolean sameHost(InetSocketAddress server, String host) {
        String expected = server.getAddress() != null ? server.getAddress().getHostAddress() : server.getHostString();
        return expected.equals(host) || server.getHostString().equals(host);
    }

    /** One query over a new TCP connection (RFC 1035 4.2.2: two-byte length, then the message). */
    private Future<Message> overTcp(Message query, InetSocketAddress server) {
        Message out = query.clone();
        out.getHeader().setID(ThreadLocalRandom.current().nextInt(0x10000));
        byte[] wire = out.toWire();
        return tcp.connect(server.getPort(), server.getHostString()).compose(conn -> {
            io.vertx.core.Promise<Message> promise = io.vertx.core.Promise.promise();
            long timer = vertx.setTimer(timeout.toMillis(), t -> {
                promise.tryFail(new TimeoutException("upstream " + server + " did not answer over TCP"));
                conn.close();
            });
            RecordParser parser = RecordParser.newFixed(2);
            parser.handler(new io.vertx.core.Handler<>() {
                int length = -1;

                @Override
                public void handle(Buffer b) {
                    if (length < 0) {
                        length = b.getUnsignedShort(0);
                        parser.fixedSizeMode(Math.max(length, 1));
                        return;
                    }
                    vertx.cancelTimer(timer);
                    conn.close();
                    try {
                        Message m = new Message(b.getBytes());
                        if (m.getHeader().getID() == out.getHeader().getID()) {
                            promise.tryComplete(m);
                        } else {
                            promise.tryFail(new IOException("upstream answered another query"));
                        }
                    } catch (IOException | RuntimeException e) {
                        promise.tryFail(e);
                    }
                }
            });
            conn.handler(parser);
            conn.closeHandler(v -> promise.tryFail(new IOException("upstream closed the connection")));
            conn.write(Buffer.buffer().appendUnsignedShort(wire.length).appendBytes(wire));
            return promise.future();
        });
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                socket.close().await(5, TimeUnit.SECONDS);
            }
            if (tcp != null) {
                tcp.close().await(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.debug("closing the upstream sockets: {}", e.getMessage());
        }
        pending.values().forEach(p -> p.result.completeExceptionally(new IOException("resolver closed")));
        pending.clear();
    }
}
