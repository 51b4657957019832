package dev.keelson.apiserver.storage;

import dev.keelson.componentbase.tls.Pem;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the apiserver proves itself to etcd and checks etcd's certificate: kube-apiserver's {@code --etcd-cafile},
 * {@code --etcd-certfile} and {@code --etcd-keyfile} (PEM files).
 */
public record EtcdTls(Path caFile, Path certFile, Path keyFile) {

    /** Configures jetcd's (Netty's) TLS: trust only the etcd CA, present the client certificate. */
    void configure(SslContextBuilder builder) {
        builder.trustManager(certificate(caFile));
        if (certFile != null && keyFile != null) {
            builder.keyManager(key(), certificate(certFile));
        }
    }

    /** The same trust and identity for the JDK's HTTPS client (etcd's /health). */
    public SSLContext sslContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("etcd-ca", certificate(caFile));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = new char[0];
            if (certFile != null && keyFile != null) {
                keys.setKeyEntry("client", key(), password, new X509Certificate[] {certificate(certFile)});
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load the etcd TLS files: " + e.getMessage(), e);
        }
    }

    private PrivateKey key() {
        return Pem.privateKey(read(keyFile));
    }

    private static X509Certificate certificate(Path file) {
        return Pem.certificate(read(file));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
