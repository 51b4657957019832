package dev.keelson.componentbase.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        return new KubernetesClientBuilder().withConfig(configFrom(kubeconfig)).build();
    }
}
