package dev.keelson.cli;

import dev.keelson.componentbase.certificates.CertificateRotation;
import dev.keelson.componentbase.certificates.CsrRequester;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import dev.keelson.componentbase.tls.RotatingKeyManager;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A joined node's certificates after the join, as the kubelet's certificate managers keep them: the client
 * certificate is renewed with the node's own credential and used by the running client at once; the serving
 * certificate is asked for with that credential once the Node is registered (names: the node name and the IP and
 * DNS addresses its Node reports), served without a restart, and renewed the same way. Until the first serving certificate comes,
 * the kubelet serves a placeholder nobody trusts.
 */
final class NodeCertificates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);
    static final String KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final URI server;
    private final String node;
    private final NodeJoin.Credentials files;
    private final X509Certificate ca;
    private final RotatingKeyManager clientKeys;
    private final List<CertificateRotation> rotations = new ArrayList<>();
    private CertificateRotation serving;

    private NodeCertificates(URI server, String node, NodeJoin.Credentials files, X509Certificate ca,
                             RotatingKeyManager clientKeys) {
        this.server = server;
        this.node = node;
        this.files = files;
        this.ca = ca;
        this.clientKeys = clientKeys;
    }

    /** Reads the joined node's credentials; puts a placeholder serving certificate in place if none is valid. */
    static NodeCertificates load(URI server, String node, NodeJoin.Credentials files) throws Exception {
        X509Certificate ca = Pem.certificate(Files.readString(files.ca()));
        Config config = KubeClients.configFrom(files.kubeconfig());
        X509Certificate cert = Pem.certificate(decode(config.getClientCertData()));
        RotatingKeyManager keys = new RotatingKeyManager(new X509Certificate[] {cert},
                Pem.privateKey(decode(config.getClientKeyData())));
        NodeCertificates certs = new NodeCertificates(server, node, files, ca, keys);
        if (certs.validServing() == null) {
            CertificateAuthority.ephemeral("keelson-kubelet-placeholder").issueServing("system:node:" + node,
                    List.of(node), List.of(), Duration.ofDays(1)).write(files.servingCert(), files.servingKey());
            LOG.info("node {} has no signed serving certificate yet: it serves a placeholder until one is issued", node);
        }
        return certs;
    }

    /** The node's API client: new connections present the current (rotated) client certificate. */
    KubernetesClient client() {
        return KubeClients.withRotatingCertificate(files.kubeconfig(), clientKeys, ca);
    }

    /**
     * Starts renewing the client certificate and obtaining and renewing the serving certificate;
     * {@code reloadServing} puts a new serving certificate to use (the kubelet's server reloads it).
     */
    void start(KubernetesClient client, Runnable reloadServing) {
        String user = "system:node:" + node;
        CertificateRotation clientRotation = new CertificateRotation("kubelet client", new CertificateRotation.Target() {
            @Override
            public X509Certificate current() {
                return clientKeys.certificate();
            }

            @Override
            public String request(KeyPair key) throws Exception {
                return CsrRequester.request(client, NodeJoin.KUBELET_CLIENT_SIGNER, CertificateRequests.create(key,
                        user, List.of("system:nodes"), List.of(), List.of()), List.of("digital signature",
                        "client auth"), null, REQUEST_TIMEOUT);
            }

            @Override
            public void install(KeyPair key, String pem) {
                Kubeconfigs.write(files.kubeconfig(), server.toString(), Pem.encode(ca), pem,
                        Pem.encode(key.getPrivate()), user);
                clientKeys.update(new X509Certificate[] {Pem.certificate(pem)}, key.getPrivate());
            }
        }, CertificateAuthority::newKeyPair, Clock.systemUTC());
        serving = new CertificateRotation("kubelet serving", new CertificateRotation.Target() {
            @Override
            public X509Certificate current() {
                return validServing();
            }

            @Override
            public String request(KeyPair key) throws Exception {
                List<String> dns = new ArrayList<>(List.of(node));
                List<String> ips = new ArrayList<>();
                for (NodeAddress a : registeredAddresses(client)) {
                    switch (a.getType()) {
                        // not Hostname: it is the host's name, and on a shared host another node's name
                        case "InternalDNS", "ExternalDNS" -> {
                            if (!dns.contains(a.getAddress())) {
                                dns.add(a.getAddress());
                            }
                        }
                        case "InternalIP", "ExternalIP" -> {
                            if (!ips.contains(a.getAddress())) {
                                ips.add(a.getAddress());
                            }
                        }
                        default -> { }
                    }
                }
                return CsrRequester.request(client, KUBELET_SERVING_SIGNER, CertificateRequests.create(key, user,
                        List.of("system:nodes"), dns, ips), List.of("digital signature", "server auth"), null,
                        REQUEST_TIMEOUT);
            }

            @Override
            public void install(KeyPair key, String pem) {
                Pem.writePrivate(files.servingKey(), Pem.encode(key.getPrivate()));
                Pem.writePrivate(files.servingCert(), pem);
                reloadServing.run();
            }
        }, CertificateAuthority::newKeyPair, Clock.systemUTC());
        rotations.add(clientRotation);
        rotations.add(serving);
        clientRotation.start();
        serving.start();
    }

    /** Waits until the kubelet serves a certificate the cluster signed. */
    boolean awaitServing(Duration timeout) throws InterruptedException {
        return serving.awaitCertificate(timeout);
    }

    /** The Node's addresses once the kubelet has registered it with some. */
    private List<NodeAddress> registeredAddresses(KubernetesClient client) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (true) {
            Node n = client.nodes().withName(node).get();
            if (n != null && n.getStatus() != null && n.getStatus().getAddresses() != null
                    && !n.getStatus().getAddresses().isEmpty()) {
                return n.getStatus().getAddresses();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("node " + node + " is not registered with addresses yet");
            }
            Thread.sleep(500);
        }
    }

    /** The serving certificate on disk if the cluster CA signed it for this node and it has not expired. */
    private X509Certificate validServing() {
        try {
            X509Certificate cert = Pem.certificate(Files.readString(files.servingCert()));
            cert.verify(ca.getPublicKey());
            cert.checkValidity();
            return cert.getSubjectX500Principal().getName().contains("CN=system:node:" + node) ? cert : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        rotations.forEach(CertificateRotation::close);
    }
}
