package dev.keelson.apiserver.testing;

import dev.keelson.componentbase.tls.CertificateAuthority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTP/1.1 over TLS written by hand, for tests that must control every byte and connection an attacker would: half
 * sent bodies, headers sent one byte at a time, connections left open.
 */
public final class RawHttps {
    private final SSLContext context;
    private final int port;

    /** A client of {@code cluster}'s apiserver with the client certificate {@code user} (null: anonymous). */
    public RawHttps(TestCluster cluster, CertificateAuthority.Issued user) {
        this.port = cluster.apiServer().port();
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", cluster.apiServer().certificateAuthority().certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (user != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("me", user.keyPair().getPrivate(), new char[0], new Certificate[]{user.certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connection with its TLS handshake done. */
    public SSLSocket connect() throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(120_000);
        s.startHandshake();
        return s;
    }

    /** A plain TCP connection (no handshake), for handshake timeouts. */
    public Socket connectTcp() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(120_000);
        return s;
    }

    /** The head of a request (no body bytes). */
    public static byte[] head(String method, String path, String contentType, long contentLength) {
        StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (contentType != null) {
            b.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentLength >= 0) {
            b.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        return b.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One request on a new connection; the answer as read until the server closes (Connection: close). */
    public Response send(String method, String path, String contentType, String body) throws IOException {
        try (SSLSocket s = connect()) {
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(head(method, path, contentType, body == null ? -1 : bytes.length));
            out.flush();
            // written beside the read: a server may answer (413) and close before it has read the whole body
            Thread writer = new Thread(() -> {
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException ignored) {
                    // the server closed the connection; its answer is what counts
                }
            });
            writer.setDaemon(true);
            writer.start();
            Response r = read(s.getInputStream());
            writer.join(10_000);
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Reads a whole response from a connection the server will close. */
    public static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try {
            in.transferTo(all);
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            // closed without close_notify after the answer was sent: keep what arrived
            if (all.size() == 0) {
                throw e;
            }
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return new Response(-1, text, "");
        }
        String head = text.substring(0, end);
        String body = text.substring(end + 4);
        if (head.toLowerCase().contains("transfer-encoding: chunked")) {
            body = dechunk(body);
        }
        return new Response(Integer.parseInt(head.split(" ")[1]), head, body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            int len = Integer.parseInt(body.substring(i, eol).trim(), 16);
            if (len == 0) {
                break;
            }
            out.append(body, eol + 2, eol + 2 + len);
            i = eol + 2 + len + 2;
        }
        return out.toString();
    }

    /** A response: status code, head (status line and headers) and body. */
    public record Response(int code, String head, String body) {
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
