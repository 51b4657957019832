package dev.keelson.cli;

import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.componentbase.certificates.CsrRequester;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node joining a server with its join token, by kubelet TLS bootstrap: downloads the cluster CA and accepts it only
 * if its fingerprint is the token's, then asks for a node client certificate with a CertificateSigningRequest
 * authenticated by the token's bootstrap token (approved by the controller-manager's csrapproving, signed by its
 * csrsigning). Writes, under the agent's data dir, {@code kubelet.kubeconfig} (user system:node:NAME) and
 * {@code pki/ca.crt}; a later start reuses them while the client certificate is valid for this node and server. The
 * serving certificate is asked for with the node's own credential once the node is registered
 * ({@link NodeCertificates}).
 */
final class NodeJoin {
    private static final Logger LOG = LoggerFactory.getLogger(NodeJoin.class);
    static final String KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    private static final Duration APPROVAL_TIMEOUT = Duration.ofMinutes(5);

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
     * The node's client credentials: reused when valid for {@code node} at {@code server}, else obtained with the
     * token. A server that cannot be reached or answers 5xx may be starting or restarting: the join is tried again
     * (1 s, doubling to {@code maxWait}) until it is reached; a refused or denied token or a foreign CA fails at once.
     */
    static Credentials ensure(URI server, NodeBootstrap.Token token, Path dataDir, String node, Duration maxWait)
            throws Exception {
        Credentials c = Credentials.in(dataDir);
        if (reusable(c, server, node)) {
            LOG.info("node {} reuses its certificates in {}", node, dataDir);
            return c;
        }
        Duration wait = Duration.ofSeconds(1);
        while (true) {
            try {
                return join(server, token, c, node);
            } catch (Unavailable e) {
                LOG.warn("node {} cannot join {} yet ({}): trying again in {} s", node, server, e.getMessage(),
                        wait.toSeconds());
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(maxWait) > 0 ? maxWait : wait.multipliedBy(2);
            }
        }
    }

    static Credentials ensure(URI server, NodeBootstrap.Token token, Path dataDir, String node) throws Exception {
        return ensure(server, token, dataDir, node, Duration.ofSeconds(10));
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

    private static Credentials join(URI server, NodeBootstrap.Token token, Credentials c, String node)
            throws Exception {
        X509Certificate ca = fetchCa(server, token);
        String caPem = Pem.encode(ca);
        KeyPair client = CertificateAuthority.newKeyPair();
        String user = "system:node:" + node;
        String request = CertificateRequests.create(client, user, List.of("system:nodes"), List.of(), List.of());
        String certificate;
        Config config = new ConfigBuilder().withMasterUrl(server.toString()).withCaCertData(
                Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)))
                .withOauthToken(token.bootstrapToken().toString()).withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(10_000).withRequestTimeout(30_000).build();
        try (KubernetesClient bootstrap = new KubernetesClientBuilder().withConfig(config).build()) {
            certificate = CsrRequester.request(bootstrap, KUBELET_CLIENT_SIGNER, request,
                    List.of("digital signature", "client auth"), null, APPROVAL_TIMEOUT);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401) {
                throw new IllegalStateException("the server refused the join token (401): it is not this server's "
                        + "token, or it expired or was deleted");
            }
            if (e.getCode() == 0 || e.getCode() >= 500) {
                throw new Unavailable("certificate request: " + reason(e));
            }
            throw new IllegalStateException("the server did not take node " + node + "'s certificate request: "
                    + e.getMessage());
        } catch (CsrRequester.Refused e) {
            throw new IllegalStateException("node " + node + " cannot join: " + e.getMessage());
        }
        Files.createDirectories(c.ca().getParent());
        Pem.writePrivate(c.ca(), caPem);
        Kubeconfigs.write(c.kubeconfig(), server.toString(), caPem, certificate, Pem.encode(client.getPrivate()), user);
        LOG.info("node {} joined {}: client certificate written to {}", node, server, c.kubeconfig());
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

    /** Whether the kubeconfig is for this server and node, and its client certificate is still valid. */
    static boolean reusable(Credentials c, URI server, String node) {
        try {
            if (!Files.exists(c.kubeconfig()) || !Files.exists(c.ca())) {
                return false;
            }
            Config config = KubeClients.configFrom(c.kubeconfig());
            X509Certificate cert = Pem.certificate(new String(Base64.getDecoder().decode(config.getClientCertData()),
                    StandardCharsets.UTF_8));
            boolean fresh = cert.getNotAfter().toInstant().isAfter(Instant.now());
            boolean same = Files.readString(c.kubeconfig()).contains("server: " + server)
                    && cert.getSubjectX500Principal().getName().contains("CN=system:node:" + node);
            return fresh && same;
        } catch (Exception e) {
            return false;
        }
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
