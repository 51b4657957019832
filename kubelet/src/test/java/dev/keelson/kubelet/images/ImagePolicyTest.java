package dev.keelson.kubelet.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ImagePolicyTest {
    @Test
    void latestOrUntaggedImagesDefaultToAlways() {
        assertEquals("Always", ImagePolicy.effectivePolicy("nginx", null));
        assertEquals("Always", ImagePolicy.effectivePolicy("nginx:latest", ""));
        assertEquals("Always", ImagePolicy.effectivePolicy("127.0.0.1:5000/team/app", null));
    }

    @Test
    void taggedOrDigestImagesDefaultToIfNotPresent() {
        assertEquals("IfNotPresent", ImagePolicy.effectivePolicy("nginx:1.27", null));
        assertEquals("IfNotPresent", ImagePolicy.effectivePolicy("127.0.0.1:5000/app:v1", null));
        assertEquals("IfNotPresent", ImagePolicy.effectivePolicy("nginx@sha256:abcd", null));
    }

    @Test
    void declaredPolicyWinsAndUnknownOnesAreRejected() {
        assertEquals("Never", ImagePolicy.effectivePolicy("nginx:latest", "Never"));
        assertEquals("Always", ImagePolicy.effectivePolicy("nginx:1.27", "Always"));
        assertThrows(IllegalArgumentException.class, () -> ImagePolicy.effectivePolicy("nginx", "Sometimes"));
    }

    @Test
    void registryPortIsNotMistakenForATag() {
        assertNull(ImagePolicy.tagOf("127.0.0.1:5000/app"));
        assertEquals("127.0.0.1:5000/app:latest", ImagePolicy.normalize("127.0.0.1:5000/app"));
        assertEquals("registry.k8s.io/pause:3.10", ImagePolicy.normalize("registry.k8s.io/pause:3.10"));
        assertEquals("127.0.0.1:5000", ImagePolicy.registryOf("127.0.0.1:5000/app"));
        assertEquals("docker.io", ImagePolicy.registryOf("library/nginx"));
        assertEquals("docker.io", ImagePolicy.registryOf("nginx"));
    }

    @Test
    void pullSecretCredentialsAreFoundForTheImagesRegistry() {
        String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        String json = "{\"auths\":{\"other:5000\":{\"username\":\"x\",\"password\":\"y\"},"
                + "\"127.0.0.1:5000\":{\"auth\":\"" + auth + "\"}}}";
        var found = ImagePuller.authFromDockerConfig(json, "127.0.0.1:5000");
        assertEquals("alice", found.username());
        assertEquals("s3cret", found.password());
        assertNull(ImagePuller.authFromDockerConfig(json, "elsewhere:5000"));
    }
}
