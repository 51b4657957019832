package dev.keelson.kubelet.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.kubelet.Kubelet;
import dev.keelson.kubelet.KubeletOptions;
import dev.keelson.kubelet.runtime.ContainerLabels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A real apiserver (TestCluster), a kubelet for a uniquely named node on the host's Docker, the locally built
 * images, and cleanup of every container and network the node created.
 */
final class KubeletHarness implements AutoCloseable {
    final TestCluster cluster;
    final KubernetesClient client;
    final String nodeName;
    final String podCidr;
    final Path rootDir;
    final DockerClient docker;
    Kubelet kubelet;

    KubeletHarness(String prefix) throws Exception {
        buildImages();
        String suffix = Long.toHexString(System.nanoTime() & 0xffffff);
        nodeName = prefix + "-" + suffix;
        // A /24 well away from the cluster's 10.244.0.0/16 so other tests' networks on this host do not overlap.
        podCidr = "10.247." + (20 + new Random().nextInt(200)) + ".0/24";
        rootDir = Files.createTempDirectory("keelson-kubelet-it-");
        docker = DockerClientImpl.getInstance(DefaultDockerClientConfig.createDefaultConfigBuilder().build(),
                new ApacheDockerHttpClient.Builder().dockerHost(URI.create("unix:///var/run/docker.sock")).build());
        cluster = TestCluster.start();
        client = cluster.client();
        startKubelet();
        await("node " + nodeName + " registered", Duration.ofSeconds(30),
                () -> client.nodes().withName(nodeName).get(), n -> n != null);
        client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"podCIDR\":\"" + podCidr + "\",\"podCIDRs\":[\"" + podCidr + "\"]}}");
        await("pod network for " + podCidr, Duration.ofSeconds(30), () -> kubelet.network().cidr(), podCidr::equals);
    }

    void startKubelet() {
        KubeletOptions options = KubeletOptions.builder(nodeName).port(0).bindAddress("127.0.0.1")
                .rootDir(rootDir).build();
        kubelet = new Kubelet(client, options);
        kubelet.start();
    }

    /** Builds the pause, nginx and busybox images with the project's script (skips those that exist). */
    static synchronized void buildImages() throws IOException, InterruptedException {
        Path script = Path.of("..", "scripts", "build-images.sh").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("build-images.sh failed:\n" + out);
        }
    }

    /** Creates a namespace for a test class's pods (one that exists already is fine). */
    void createNamespace(String namespace) {
        try {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** A container's status in the pod's status, or null before the kubelet reported it. */
    static ContainerStatus containerStatus(Pod p, String container) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return p.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container)).findFirst().orElse(null);
    }

    Pod pod(String namespace, String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    Pod create(Pod pod) {
        pod.getSpec().setNodeName(nodeName);
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    }

    Pod awaitPod(String namespace, String name, String what, Duration timeout, Predicate<Pod> done) {
        return await(namespace + "/" + name + " " + what, timeout, () -> pod(namespace, name), p -> p != null && done.test(p));
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static <T> T await(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(timeout);
        T last = null;
        Exception lastError = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = probe.get();
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        fail("timed out after " + timeout.toSeconds() + "s waiting for " + what + "; last seen: " + last
                + (lastError != null ? "; last error: " + lastError : ""));
        return null;
    }

    static String httpGet(String url) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "error: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    List<Container> nodeContainers() {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeName)).exec();
    }

    @Override
    public void close() throws Exception {
        if (kubelet != null) {
            kubelet.close();
        }
        for (Container c : nodeContainers()) {
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        try {
            docker.removeNetworkCmd("keelson-" + nodeName).exec();
        } catch (RuntimeException ignored) {
            // never created or already gone
        }
        cluster.close();
        docker.close();
        try (Stream<Path> walk = Files.walk(rootDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
