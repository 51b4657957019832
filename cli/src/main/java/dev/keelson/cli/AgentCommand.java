package dev.keelson.cli;

import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.kubelet.Kubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `keelson agent`: a node's kubelet and proxy, joining a `keelson server` with its join token. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run a node (kubelet and proxy) that joins a Keelson server with its join token.")
public final class AgentCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);
    private static final java.time.Duration SERVING_WAIT = java.time.Duration.ofSeconds(60);

    @Option(names = "--server", required = true, description = "The server's API address, e.g. https://10.0.0.1:6443.")
    URI server;

    @ArgGroup(multiplicity = "1")
    TokenSource token;

    static final class TokenSource {
        @Option(names = "--token", description = "The join token (the server's DATA/node-token).")
        String value;

        @Option(names = "--token-file", description = "A file holding the join token.")
        Path file;

        NodeBootstrap.Token read() throws java.io.IOException {
            return NodeBootstrap.Token.parse(value != null ? value : Files.readString(file));
        }
    }

    @Option(names = "--data-dir", defaultValue = "/var/lib/keelson/agent", description = "The node's certificates, kubeconfig and pod volumes. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--component-ports-free", description = "Serve the proxy's health and metrics on free ports (for several agents on one host).")
    boolean freePorts;

    @Mixin
    NodeFlags node = new NodeFlags();

    @Override
    public Integer call() throws Exception {
        NodeBootstrap.Token joinToken;
        try {
            joinToken = token.read();
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("keelson agent: no join token: the token file " + e.getFile() + " does not exist; copy "
                    + "the server's <data-dir>/node-token there (or pass --token)");
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("keelson agent: " + e.getMessage());
            return 2;
        }
        Files.createDirectories(dataDir);
        Lifecycle running = new Lifecycle();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.stopAll();
            stop.countDown();
        }));
        NodeJoin.Credentials credentials = NodeJoin.ensure(server, joinToken, dataDir, node.node());
        NodeCertificates certificates = NodeCertificates.load(server, node.node(), credentials);
        KubernetesClient client = certificates.client();
        running.add(client);
        Kubelet kubelet = NodeComponents.start(client, node, dataDir.resolve("kubelet"), credentials.servingCert(),
                credentials.servingKey(), credentials.ca(), freePorts, running);
        certificates.start(client, kubelet::reloadServingCertificate);
        running.add(certificates);
        if (!certificates.awaitServing(SERVING_WAIT)) {
            LOG.warn("node {} has no signed serving certificate after {} s: logs and exec of its pods fail until it "
                    + "comes (is the controller-manager running?)", node.node(), SERVING_WAIT.toSeconds());
        }
        LOG.info("keelson agent: node {} runs against {}", node.node(), server);
        System.out.println("keelson agent is up: node " + node.node() + " joined " + server);
        stop.await();
        return 0;
    }
}
