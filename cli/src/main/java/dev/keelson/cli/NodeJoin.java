package dev.keelson.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node joining a server with the join token: downloads the cluster CA and accepts it only if its fingerprint is
 * the token's, then has a fresh client key and serving key certified by the server. Writes, under the agent's data
 * dir, {@code kubelet.kubeconfig} (user system:node:NAME) and {@code pki/{ca.crt, kubelet.crt, kubelet.key}}; a later
 * start reuses them while they are valid for this node.
 */
final class NodeJoin {
    private static final Logger LOG = LoggerFactory.getLogger(NodeJoin.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /** Where the node's credentials live. */
    record Credentials(Path kubeconfig, Path ca, Path servingCert, Path servingKey) {
        static Credentials in(Path dataDir) {
            Path pki = dataDir.resolve("pki");
            return new Credentials(dataDir.resolve("kubelet.kubeconfig"), pki.resolve("ca.crt"),
                    pki.resolve("kubelet.crt"), pki.resolve("kubelet.key"));
        }
    }

    private NodeJoin() {}

    /**
     * The node's credentials: reused when valid for {@code node} at {@code server}, else obtained with the token. A
     * server that cannot be reached or answers 5xx may be starting or restarting: the join is tried again (1 s,
     * doubling to {@code maxWait}) until it is reached; a refused token or a foreign CA fails at once.
     */
    static Credentials ensure(URI server, NodeBootstrap.Token token, Path dataDir, String node, List<String> ips,
                              List<String> names, Duration maxWait) throws Exception {
        Credentials c = Credentials.in(dataDir);
        if (reusable(c, server, node)) {
            LOG.info("node {} reuses its certificates in {}", node, dataDir);
            return c;
        }
        Duration wait = Duration.ofSeconds(1);
        while (true) {
            try {
                return join(server, token, c, node, ips, names);
            } catch (Unavailable e) {
                LOG.warn("node {} cannot join {} yet ({}): trying again in {} s", node, server, e.getMessage(),
                        wait.toSeconds());
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(maxWait) > 0 ? maxWait : wait.multipliedBy(2);
            }
        }
    }

    static Credentials ensure(URI server, NodeBootstrap.Token token, Path dataDir, String node, List<String> ips,
                              List<String> names) throws Exception {
        return ensure(server, token, dataDir, node, ips, names, Duration.ofSeconds(10));
    }

    /** A server that could not be reached or answered 5xx: it may be starting, the join is worth another try. */
    static final class Unavailable extends IOException {
        Unavailable(String message) {
            super(message);
        }
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request, String what) throws Exception {
        HttpResponse<String> resp;
        try {
            resp = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable(what + ": " + reason(e));
        }
        if (resp.statusCode() >= 500) {
            throw new Unavailable(what + ": the server answered " + resp.statusCode());
        }
        return resp;
    }

    /** What went wrong, for the log: the JDK client's ConnectException carries no message. */
    private static String reason(Throwable e) {
        if (e instanceof java.net.ConnectException) {
            return "no connection (nothing listens there yet, or the address is wrong)";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static Credentials join(URI server, NodeBootstrap.Token token, Credentials c, String node,
                                    List<String> ips, List<String> names) throws Exception {
        X509Certificate ca = fetchCa(server, token);
        KeyPair client = CertificateAuthority.newKeyPair();
        KeyPair serving = CertificateAuthority.newKeyPair();
        ObjectNode body = JSON.createObjectNode();
        body.put("nodeName", node);
        body.put("clientRequest", CertificateRequests.create(client, "system:node:" + node));
        body.put("servingRequest", CertificateRequests.create(serving, "system:node:" + node));
        var addresses = body.putArray("addresses");
        ips.forEach(addresses::add);
        names.forEach(addresses::add);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(ca)).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = send(http, HttpRequest.newBuilder(server.resolve(NodeBootstrap.CERTIFICATES_PATH))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token.secret())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                "certificate request");
        if (resp.statusCode() == 401) {
            throw new IllegalStateException("the server refused the join token (401): it is not this server's token");
        }
        if (resp.statusCode() != 201) {
            throw new IllegalStateException("the server did not certify node " + node + ": " + resp.statusCode() + " "
                    + resp.body());
        }
        JsonNode issued = JSON.readTree(resp.body());
        String caPem = Pem.encode(ca);
        Files.createDirectories(c.ca().getParent());
        Pem.writePrivate(c.ca(), caPem);
        Pem.writePrivate(c.servingKey(), Pem.encode(serving.getPrivate()));
        Pem.writePrivate(c.servingCert(), issued.path("servingCertificate").asText());
        Kubeconfigs.write(c.kubeconfig(), server.toString(), caPem, issued.path("clientCertificate").asText(),
                Pem.encode(client.getPrivate()), "system:node:" + node);
        LOG.info("node {} joined {}: certificates written to {}", node, server, c.kubeconfig().getParent());
        return c;
    }

    /** Downloads the CA anonymously and accepts it only if it is the one the token pins. */
    static X509Certificate fetchCa(URI server, NodeBootstrap.Token token) throws Exception {
        SSLContext any = SSLContext.getInstance("TLS");
        any.init(null, new javax.net.ssl.TrustManager[] {new TrustAnything()}, null);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(any).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = send(http, HttpRequest.newBuilder(server.resolve(NodeBootstrap.CA_PATH))
                .timeout(Duration.ofSeconds(30)).GET().build(), "CA download");
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("cannot get the cluster CA from " + server + ": " + resp.statusCode());
        }
        X509Certificate ca = Pem.certificate(resp.body());
        String fingerprint = CertificateRequests.fingerprint(ca);
        if (!fingerprint.equals(token.caFingerprint())) {
            throw new IllegalStateException("the CA of " + server + " (sha256 " + fingerprint
                    + ") is not the one the join token names (sha256 " + token.caFingerprint() + "): refusing to join");
        }
        return ca;
    }

    private static boolean reusable(Credentials c, URI server, String node) {
        try {
            if (!Files.exists(c.kubeconfig()) || !Files.exists(c.servingCert()) || !Files.exists(c.ca())) {
                return false;
            }
            String kubeconfig = Files.readString(c.kubeconfig());
            X509Certificate serving = Pem.certificate(Files.readString(c.servingCert()));
            boolean fresh = serving.getNotAfter().toInstant().isAfter(Instant.now().plus(RENEW_BEFORE));
            boolean same = kubeconfig.contains("server: " + server) && kubeconfig.contains("system:node:" + node)
                    && serving.getSubjectX500Principal().getName().contains("system:node:" + node);
            return fresh && same;
        } catch (Exception e) {
            return false;
        }
    }

    private static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("cluster-ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Only for the one CA download, whose result is checked against the token's fingerprint. */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
