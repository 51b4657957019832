package dev.keelson.componentbase.client;

import dev.keelson.componentbase.tls.RotatingKeyManager;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** Builds fabric8 clients from kubeconfig files, the way every Keelson component connects to the apiserver. */
public final class KubeClients {
    private KubeClients() {}

    public static Config configFrom(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            config.setRequestTimeout(30_000);
            config.setConnectionTimeout(10_000);
            config.setMaxConcurrentRequests(256);
            config.setMaxConcurrentRequestsPerHost(256);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
        }
    }

    public static KubernetesClient fromKubeconfig(Path kubeconfig) {
        return new KubernetesClientBuilder().withConfig(configFrom(kubeconfig))
                .withKubernetesSerialization(new TolerantSerialization()).build();
    }

    /**
     * A client of the kubeconfig's server that presents whatever certificate {@code keys} holds when it opens a
     * connection, so a rotated client certificate is used without rebuilding the client and its informers.
     */
    public static KubernetesClient withRotatingCertificate(Path kubeconfig, RotatingKeyManager keys,
                                                           X509Certificate ca) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("cluster-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            TrustManager[] trustManagers = tmf.getTrustManagers();
            return new KubernetesClientBuilder().withConfig(configFrom(kubeconfig))
                    .withHttpClientBuilderConsumer(b -> b.sslContext(new KeyManager[] {keys}, trustManagers)).build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up TLS for " + kubeconfig + ": " + e.getMessage(), e);
        }
    }
}
