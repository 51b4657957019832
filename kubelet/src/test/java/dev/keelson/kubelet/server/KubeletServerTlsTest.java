package dev.keelson.kubelet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.kubelet.runtime.docker.DockerRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet server over HTTPS accepts only clients with a certificate from the cluster CA. */
class KubeletServerTlsTest {
    @TempDir
    Path dir;
    private CertificateAuthority ca;
    private KubeletServer server;
    private DockerRuntime docker;

    @BeforeEach
    void start() {
        ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        ca.issueServing("kubelet", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1))
                .write(dir.resolve("kubelet.crt"), dir.resolve("kubelet.key"));
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Never contacted here: /healthz answers from the supplier below.
        docker = new DockerRuntime("unix:///nonexistent/docker.sock", "tls-test", metrics);
        server = new KubeletServer(VertxHolder.get(), docker, (ns, name) -> null, metrics, () -> true);
        server.start("127.0.0.1", 0, dir.resolve("kubelet.crt"), dir.resolve("kubelet.key"), dir.resolve("ca.crt"));
    }

    @AfterEach
    void stop() {
        server.close();
        docker.close();
    }

    private HttpClient client(CertificateAuthority.Issued clientCert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", clientCert.keyPair().getPrivate(), new char[0],
                    new Certificate[] {clientCert.certificate(), ca.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(30)).build();
    }

    private HttpRequest healthz() {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/healthz"))
                .timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void clientWithAClusterCertificateIsServed() throws Exception {
        var cert = ca.issueClient("system:kube-apiserver", List.of("system:masters"), Duration.ofDays(1));
        HttpResponse<String> r = client(cert).send(healthz(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("ok", r.body());
    }

    @Test
    void clientWithoutACertificateIsRefused() throws Exception {
        HttpClient anonymous = client(null);
        assertThrows(IOException.class, () -> anonymous.send(healthz(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void clientWithACertificateFromAnotherCaIsRefused() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        CertificateAuthority stranger = CertificateAuthority.loadOrCreate(other.resolve("ca.crt"), other.resolve("ca.key"));
        var cert = stranger.issueClient("mallory", List.of(), Duration.ofDays(1));
        HttpClient client = client(cert);
        assertThrows(IOException.class, () -> client.send(healthz(), HttpResponse.BodyHandlers.ofString()));
    }
}
