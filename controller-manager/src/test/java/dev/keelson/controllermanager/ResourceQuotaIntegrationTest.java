package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The resourcequota controller with the apiserver's ResourceQuota admission: status.hard follows the spec, status.used
 * counts the namespace's pods (and their requests) and other objects, the admission refuses what exceeds it, and a
 * deleted pod gives its share back.
 */
class ResourceQuotaIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("resourcequota")));

    static Map<String, String> used(KubernetesClient client, String ns) {
        ResourceQuota q = client.resourceQuotas().inNamespace(ns).withName("q").get();
        Map<String, String> out = new TreeMap<>();
        if (q.getStatus() != null && q.getStatus().getUsed() != null) {
            q.getStatus().getUsed().forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }

    static void pod(KubernetesClient client, String ns, String name, String cpu, String memory) {
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx").withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory))
                .addToLimits("memory", new Quantity(memory)).endResources().endContainer().endSpec().build()).create();
    }

    @Test
    void quotaCountsPodsAndObjectsAndRefusesWhatExceedsIt() {
        KubernetesClient client = fixture.client();
        String ns = fixture.namespace("quota");
        pod(client, ns, "before", "200m", "64Mi");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("one")
                .endMetadata().build()).create();
        client.resourceQuotas().inNamespace(ns).resource(new ResourceQuotaBuilder().withNewMetadata().withName("q")
                .endMetadata().withNewSpec().addToHard("pods", new Quantity("2"))
                .addToHard("requests.cpu", new Quantity("1")).addToHard("limits.memory", new Quantity("128Mi"))
                .addToHard("count/configmaps", new Quantity("2")).addToHard("count/deployments.apps", new Quantity("3"))
                .endSpec().build()).create();

        Map<String, String> counted = Map.of("count/configmaps", "1", "count/deployments.apps", "0",
                "limits.memory", "64Mi", "pods", "1", "requests.cpu", "200m");
        Await.until("the controller counts the namespace", WAIT, () -> used(client, ns), counted::equals);
        ResourceQuota q = client.resourceQuotas().inNamespace(ns).withName("q").get();
        assertEquals("1", q.getStatus().getHard().get("requests.cpu").toString());

        pod(client, ns, "second", "300m", "64Mi");
        assertEquals("2", used(client, ns).get("pods"), "charged by the admission at once");
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> pod(client, ns, "third", "100m", "1Mi"));
        assertEquals(403, e.getCode());
        assertEquals("pods \"third\" is forbidden: exceeded quota: q, requested: limits.memory=1Mi,pods=1, used: "
                + "limits.memory=128Mi,pods=2, limited: limits.memory=128Mi,pods=2", e.getStatus().getMessage());

        client.pods().inNamespace(ns).withName("before").withGracePeriod(0).delete();
        Await.until("the deleted pod's share comes back", WAIT, () -> used(client, ns),
                u -> "1".equals(u.get("pods")) && "300m".equals(u.get("requests.cpu"))
                        && "64Mi".equals(u.get("limits.memory")));
        pod(client, ns, "third", "100m", "1Mi");
        assertEquals("400m", used(client, ns).get("requests.cpu"));
        assertTrue(client.pods().inNamespace(ns).withName("third").get() != null);
    }

    @Test
    void specChangesReachTheStatus() {
        KubernetesClient client = fixture.client();
        String ns = fixture.namespace("quota-spec");
        client.resourceQuotas().inNamespace(ns).resource(new ResourceQuotaBuilder().withNewMetadata().withName("q")
                .endMetadata().withNewSpec().addToHard("configmaps", new Quantity("1")).endSpec().build()).create();
        Await.until("hard and used are set", WAIT, () -> used(client, ns), u -> u.equals(Map.of("configmaps", "0")));
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("a")
                .endMetadata().build()).create();
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("b").endMetadata().build()).create());
        assertEquals("configmaps \"b\" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, "
                + "limited: configmaps=1", e.getStatus().getMessage());
        client.resourceQuotas().inNamespace(ns).withName("q").edit(r -> new ResourceQuotaBuilder(r).editSpec()
                .addToHard("configmaps", new Quantity("3")).endSpec().build());
        Await.until("the new hard limit is in the status", WAIT,
                () -> client.resourceQuotas().inNamespace(ns).withName("q").get().getStatus().getHard()
                        .get("configmaps").toString(), "3"::equals);
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("b")
                .endMetadata().build()).create();
        assertEquals("2", used(client, ns).get("configmaps"));
    }
}
