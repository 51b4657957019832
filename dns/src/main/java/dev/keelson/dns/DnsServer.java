package dev.keelson.dns;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS server's sockets: UDP and TCP (RFC 7766) on one address and port, each query handed to the
 * {@link DnsAnswerer}. A TCP connection carries any number of queries (answered as they complete, as RFC 7766
 * allows), at most {@link #MAX_IN_FLIGHT} at once (reading pauses beyond), and is closed after
 * {@link #IDLE_SECONDS} idle.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    static final int MAX_IN_FLIGHT = 32;
    static final int IDLE_SECONDS = 10;

    private final Vertx vertx;
    private final DnsAnswerer answerer;
    private DatagramSocket udp;
    private NetServer tcp;

    public DnsServer(Vertx vertx, DnsAnswerer answerer) {
        this.vertx = vertx;
        this.answerer = answerer;
    }

    /** Listens on host:port, UDP then TCP on the same port (port 0: the port UDP was given). */
    public Future<DnsServer> listen(String host, int port) {
        DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReceiveBufferSize(4 << 20));
        socket.handler(packet -> {
            byte[] query = packet.data().getBytes();
            String senderHost = packet.sender().host();
            int senderPort = packet.sender().port();
            answerer.handle(query, false).whenComplete((answer, error) -> {
                if (answer != null) {
                    socket.send(Buffer.buffer(answer), senderPort, senderHost);
                } else if (error != null) {
                    log.debug("DNS query from {}:{} failed: {}", senderHost, senderPort, error.toString());
                }
            });
        });
        return socket.listen(port, host).compose(s -> {
            udp = s;
            NetServer server = vertx.createNetServer(new NetServerOptions().setIdleTimeout(IDLE_SECONDS)
                    .setIdleTimeoutUnit(TimeUnit.SECONDS));
            server.connectHandler(this::connection);
            return server.listen(s.localAddress().port(), host);
        }).map(server -> {
            tcp = server;
            return this;
        }).onFailure(e -> socket.close());
    }

    public int port() {
        return udp.localAddress().port();
    }

    private void connection(NetSocket conn) {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        RecordParser parser = RecordParser.newFixed(2);
        int[] inFlight = {0};
        parser.handler(new Handler<>() {
            int length = -1;

            @Override
            public void handle(Buffer b) {
                if (length < 0) {
                    length = b.getUnsignedShort(0);
                    if (length == 0) {
                        conn.close();
                        return;
                    }
                    parser.fixedSizeMode(length);
                    return;
                }
                length = -1;
                parser.fixedSizeMode(2);
                if (++inFlight[0] >= MAX_IN_FLIGHT) {
                    conn.pause();
                }
                answerer.handle(b.getBytes(), true).whenComplete((answer, error) -> context.runOnContext(v -> {
                    if (answer != null) {
                        conn.write(Buffer.buffer(answer.length + 2).appendUnsignedShort(answer.length)
                                .appendBytes(answer));
                    } else {
                        // not a query: nothing sensible follows on this stream
                        conn.close();
                    }
                    if (inFlight[0]-- == MAX_IN_FLIGHT) {
                        conn.resume();
                    }
                }));
            }
        });
        conn.handler(parser);
    }

    @Override
    public void close() {
        try {
            if (udp != null) {
                udp.close().await(5, TimeUnit.SECONDS);
            }
            if (tcp != null) {
                tcp.close().await(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.debug("closing the DNS sockets: {}", e.getMessage());
        }
    }
}
