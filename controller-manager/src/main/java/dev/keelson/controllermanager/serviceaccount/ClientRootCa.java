package dev.keelson.controllermanager.serviceaccount;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The CA bundle the controller-manager's own client trusts for the apiserver: kube-controller-manager's default for the
 * root CA it publishes and puts in token Secrets when {@code --root-ca-file} is not given.
 */
public final class ClientRootCa {
    private ClientRootCa() {}

    /** The PEM bundle, or null when the client trusts no particular CA. */
    public static String pem(KubernetesClient client) {
        Config config = client.getConfiguration();
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            return new String(Base64.getMimeDecoder().decode(config.getCaCertData()), StandardCharsets.UTF_8);
        }
        if (config.getCaCertFile() != null && !config.getCaCertFile().isBlank()) {
            try {
                return Files.readString(Path.of(config.getCaCertFile()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the client's CA file", e);
            }
        }
        return null;
    }
}
