package dev.keelson.kubelet.runtime.docker;

import dev.keelson.kubelet.runtime.ExecStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Starts a Docker exec on a raw hijacked connection. docker-java's transport cannot half-close its hijacked
 * socket, so a process reading stdin would never see end-of-file; here closing stdin shuts down the write side
 * and Docker closes the process's stdin, as {@code kubectl exec -i} needs.
 */
final class HijackedExec implements ExecStream {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final boolean tty;

    private HijackedExec(SocketChannel channel, DataInputStream in, boolean tty) {
        this.channel = channel;
        this.in = in;
        this.tty = tty;
    }

    static HijackedExec start(String endpoint, String execId, boolean tty) throws IOException {
        URI uri = URI.create(endpoint);
        SocketChannel channel;
        if ("unix".equals(uri.getScheme())) {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(uri.getPath()));
        } else if ("tcp".equals(uri.getScheme())) {
            channel = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
        } else {
            throw new IOException("unsupported Docker endpoint for exec: " + endpoint);
        }
        try {
            byte[] body = ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.US_ASCII);
            String head = "POST /exec/" + execId + "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + body.length + "\r\n\r\n";
            writeFully(channel, head.getBytes(StandardCharsets.US_ASCII));
            writeFully(channel, body);
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            String status = readHeaders(in);
            if (!status.contains(" 101 ") && !status.contains(" 200 ")) {
                throw new IOException("Docker refused exec start: " + status);
            }
            return new HijackedExec(channel, in, tty);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Docker closed the exec connection before answering");
            }
            buf.write(b);
            last4 = (last4 << 8) | b;
        }
        String headers = buf.toString(StandardCharsets.US_ASCII);
        return headers.substring(0, headers.indexOf('\r'));
    }

    private static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    @Override
    public Chunk read() throws IOException {
        if (tty) {
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            if (n < 0) {
                return null;
            }
            return new Chunk(1, java.util.Arrays.copyOf(buf, n));
        }
        byte[] header = new byte[8];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            return null;
        }
        int size = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
        byte[] data = new byte[size];
        in.readFully(data);
        return new Chunk(header[0] == 2 ? 2 : 1, data);
    }

    @Override
    public void writeStdin(byte[] data) throws IOException {
        writeFully(channel, data);
    }

    /** Closes the write side of the connection: Docker then closes the process's stdin. */
    @Override
    public void closeStdin() throws IOException {
        if (channel.isOpen()) {
            channel.shutdownOutput();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
