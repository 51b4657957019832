package dev.keelson.kubelet.e2e;

import static dev.keelson.kubelet.e2e.KubeletHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.AuthConfig;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real pulls from Debian's docker-registry on loopback, with htpasswd auth: imagePullSecrets and pull policies. */
class KubeletImagePullTest {
    private static final String NS = "default";
    private static final String USER = "keelson";
    private static final String PASSWORD = "kubelet-test-" + Long.toHexString(new SecureRandom().nextLong());
    private static KubeletHarness h;
    private static Process registry;
    private static String host;
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        h = new KubeletHarness("kubelet-pull");
        Path dir = Files.createTempDirectory(h.rootDir, "registry");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Files.writeString(dir.resolve("htpasswd"), USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 6) + "\n");
        Files.writeString(dir.resolve("config.yml"), String.join("\n",
                "version: 0.1",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"),
                "http:",
                "  addr: " + host,
                "auth:",
                "  htpasswd:",
                "    realm: keelson-test",
                "    path: " + dir.resolve("htpasswd"),
                ""));
        registry = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        int p = port;
        await("registry listening on " + host, Duration.ofSeconds(20), () -> {
            try (Socket s = new Socket("127.0.0.1", p)) {
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }, ok -> ok);
        image = host + "/keelson/busybox:v1";
        h.docker.tagImageCmd("busybox:1.35", host + "/keelson/busybox", "v1").exec();
        h.docker.pushImageCmd(image).withAuthConfig(auth())
                .exec(new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                        if (item.isErrorIndicated()) {
                            throw new IllegalStateException("push of " + image + " failed: " + item.getErrorDetail());
                        }
                    }
                }).awaitCompletion(60, TimeUnit.SECONDS);
        // Only the registry has it now: the kubelet must pull.
        h.docker.removeImageCmd(image).exec();
    }

    private static AuthConfig auth() {
        return new AuthConfig().withRegistryAddress(host).withUsername(USER).withPassword(PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) {
            try {
                h.docker.removeImageCmd(image).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // not pulled, or already removed
            }
            h.close();
        }
        if (registry != null) {
            registry.destroy();
            registry.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static ContainerStatus status(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? null
                : p.getStatus().getContainerStatuses().get(0);
    }

    @Test
    void privateImageNeedsItsPullSecret() {
        String dockerConfig = "{\"auths\":{\"" + host + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\"}}}";
        h.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("regcred").endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(dockerConfig.getBytes(StandardCharsets.UTF_8)))
                .build()).create();

        h.create(new PodBuilder().withNewMetadata().withName("no-secret").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("app").withImage(image).withCommand("sleep", "3600").endContainer()
                .endSpec().build());
        Pod denied = h.awaitPod(NS, "no-secret", "ErrImagePull without credentials", Duration.ofSeconds(60),
                p -> status(p) != null && status(p).getState().getWaiting() != null
                        && "ErrImagePull".equals(status(p).getState().getWaiting().getReason()));
        String message = status(denied).getState().getWaiting().getMessage();
        assertTrue(message.contains("no basic auth credentials") || message.contains("unauthorized")
                || message.contains("authentication required"), "the registry's refusal: " + message);

        h.create(new PodBuilder().withNewMetadata().withName("with-secret").withNamespace(NS).endMetadata().withNewSpec()
                .addNewImagePullSecret("regcred")
                .addNewContainer().withName("app").withImage(image).withImagePullPolicy("Always").withCommand("sleep", "3600")
                .endContainer().endSpec().build());
        Pod running = h.awaitPod(NS, "with-secret", "Ready after pulling with the secret", Duration.ofSeconds(60),
                KubeletHarness::ready);
        assertTrue(status(running).getImageID().startsWith("docker://sha256:"), status(running).getImageID());
        var reasons = h.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "with-secret".equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
        assertTrue(reasons.contains("Pulling") && reasons.contains("Pulled"), "events: " + reasons);
        assertEquals("Running", running.getStatus().getPhase());
    }

    @Test
    void presentImageIsNotPulledAndTheEventSaysSo() {
        h.create(new PodBuilder().withNewMetadata().withName("present").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("app").withImage("busybox:1.35").withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3600").endContainer().endSpec().build());
        h.awaitPod(NS, "present", "Ready with the local image", Duration.ofSeconds(60), KubeletHarness::ready);
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
        List<String> seen = List.of();
        while (java.time.Instant.now().isBefore(deadline)) {
            seen = h.client.v1().events().inNamespace(NS).list().getItems().stream()
                    .filter(e -> "present".equals(e.getInvolvedObject().getName()))
                    .map(e -> e.getReason() + ": " + e.getMessage()).toList();
            if (seen.stream().anyMatch(e -> e.startsWith("Started"))) {
                break;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertTrue(seen.contains("Pulled: Container image \"busybox:1.35\" already present on machine"), "events: " + seen);
        assertTrue(seen.stream().noneMatch(e -> e.startsWith("Pulling")), "events: " + seen);
    }
}
