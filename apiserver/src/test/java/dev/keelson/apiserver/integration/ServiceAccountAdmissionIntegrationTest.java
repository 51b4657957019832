package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ServiceAccount admission plugin on a real etcd, as a client sees the pods it admits: the default account, the
 * projected kube-api-access volume and its mounts (Kubernetes' exact shape), automountServiceAccountToken on the pod
 * and on the account, the account's imagePullSecrets, and a missing account refused with Kubernetes' message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAccountAdmissionIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of("alice-token,alice,1,\"dev\""));
    TestCluster cluster;
    KubernetesClient admin;
    ApiHttp alice;

    @BeforeAll
    void start() {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS).withAccess(new ApiServerOptions.Access(
                List.of("Node", "AlwaysAllow"), List.of("ServiceAccount"), List.of())));
        admin = cluster.client();
        alice = new ApiHttp(cluster, "alice-token");
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("sa").endMetadata().build())
                .create();
        admin.serviceAccounts().inNamespace("sa").resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("default").endMetadata().build()).create();
        admin.serviceAccounts().inNamespace("sa").resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("quiet").endMetadata().withAutomountServiceAccountToken(false)
                .addNewImagePullSecret("regcred").build()).create();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode create(String body) {
        ApiHttp.Response r = alice.post("/api/v1/namespaces/sa/pods", body);
        assertEquals(201, r.code(), r.body());
        return parse(r.body());
    }

    @Test
    void aPodRunsAsDefaultAndMountsTheProjectedTokenVolumeInEveryContainer() {
        JsonNode pod = create("{\"metadata\":{\"name\":\"plain\"},\"spec\":{\"initContainers\":[{\"name\":\"i\","
                + "\"image\":\"busybox\"}],\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"},{\"name\":\"b\","
                + "\"image\":\"nginx\",\"volumeMounts\":[{\"name\":\"own\",\"mountPath\":"
                + "\"/var/run/secrets/kubernetes.io/serviceaccount\"}]}],\"volumes\":[{\"name\":\"own\","
                + "\"emptyDir\":{}}]}}");
        JsonNode spec = pod.path("spec");
        assertEquals("default", spec.path("serviceAccountName").asText());
        assertEquals("default", spec.path("serviceAccount").asText());
        JsonNode volume = spec.path("volumes").get(1);
        String name = volume.path("name").asText();
        assertTrue(name.matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}"), name);
        assertEquals(parse("{\"name\":\"" + name + "\",\"projected\":{\"sources\":[{\"serviceAccountToken\":"
                + "{\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\","
                + "\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"fieldRef\":"
                + "{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"},\"path\":\"namespace\"}]}}],"
                + "\"defaultMode\":420}}"), volume);
        JsonNode mount = parse("[{\"name\":\"" + name + "\",\"readOnly\":true,\"mountPath\":"
                + "\"/var/run/secrets/kubernetes.io/serviceaccount\"}]");
        assertEquals(mount, spec.path("initContainers").get(0).path("volumeMounts"));
        assertEquals(mount, spec.path("containers").get(0).path("volumeMounts"));
        // a container with its own mount at the path keeps it and gets no second one
        assertEquals(1, spec.path("containers").get(1).path("volumeMounts").size());
        assertEquals("own", spec.path("containers").get(1).path("volumeMounts").get(0).path("name").asText());
    }

    @Test
    void automountFalseOnThePodOrTheAccountMountsNothingAndThePodsChoiceWins() {
        JsonNode off = create("{\"metadata\":{\"name\":\"off\"},\"spec\":{\"automountServiceAccountToken\":false,"
                + "\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"}]}}");
        assertTrue(off.path("spec").path("volumes").isMissingNode() || off.path("spec").path("volumes").isEmpty());
        assertTrue(off.path("spec").path("containers").get(0).path("volumeMounts").isMissingNode());

        JsonNode quiet = create("{\"metadata\":{\"name\":\"quiet\"},\"spec\":{\"serviceAccountName\":\"quiet\","
                + "\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"}]}}");
        assertTrue(quiet.path("spec").path("volumes").isMissingNode() || quiet.path("spec").path("volumes").isEmpty());
        assertEquals("[{\"name\":\"regcred\"}]", quiet.path("spec").path("imagePullSecrets").toString());

        JsonNode wants = create("{\"metadata\":{\"name\":\"wants\"},\"spec\":{\"serviceAccountName\":\"quiet\","
                + "\"automountServiceAccountToken\":true,\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"}]}}");
        assertTrue(wants.path("spec").path("volumes").get(0).path("name").asText().startsWith("kube-api-access-"));
    }

    @Test
    void aPodNamingAMissingAccountIsForbiddenAndNotStored() {
        ApiHttp.Response r = alice.post("/api/v1/namespaces/sa/pods", "{\"metadata\":{\"name\":\"ghost\"},"
                + "\"spec\":{\"serviceAccountName\":\"ghost\",\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"}]}}");
        assertEquals(403, r.code(), r.body());
        assertEquals("pods \"ghost\" is forbidden: error looking up service account sa/ghost: serviceaccount "
                + "\"ghost\" not found", r.message());
        assertEquals(null, admin.pods().inNamespace("sa").withName("ghost").get());
    }
}
