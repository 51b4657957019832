package dev.keelson.componentbase.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client key manager whose certificate and key can be replaced while clients use it: every new TLS connection
 * presents the current pair, so a rotated client certificate is used without rebuilding the client (the kubelet's
 * certificate manager does the same through tls.Config.GetClientCertificate).
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "current";

    private record Pair(X509Certificate[] chain, PrivateKey key) {}

    private volatile Pair current;

    public RotatingKeyManager(X509Certificate[] chain, PrivateKey key) {
        update(chain, key);
    }

    public void update(X509Certificate[] chain, PrivateKey key) {
        current = new Pair(chain.clone(), key);
    }

    public X509Certificate certificate() {
        return current.chain()[0];
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return current.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return current.key();
    }
}
