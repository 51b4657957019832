package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pod creation refused by the apiserver (here: the namespace is terminating, and no namespace controller runs to
 * finish it) shows as ReplicaFailure on the ReplicaSet and the Deployment. (The FailedCreate event cannot be written
 * here: the terminating namespace refuses events too.)
 */
class ReplicaFailureIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("replicaset", "deployment")));

    @Test
    void refusedPodCreationSetsReplicaFailureOnReplicaSetAndDeploymentAndRecordsFailedCreate() {
        String ns = fixture.namespace("cm-rfail");
        fixture.client().apps().deployments().inNamespace(ns)
                .resource(DeploymentIntegrationTest.deployment(ns, "refused", 0, "keelson/refused:1")).create();
        ReplicaSet rs = Await.until("replica set", WAIT,
                () -> fixture.client().apps().replicaSets().inNamespace(ns).list().getItems(), l -> l.size() == 1).get(0);
        fixture.client().namespaces().withName(ns).delete();
        Await.until("namespace terminating", WAIT, () -> fixture.client().namespaces().withName(ns).get(),
                n -> "Terminating".equals(n.getStatus().getPhase()));

        fixture.client().apps().deployments().inNamespace(ns).withName("refused").scale(2);

        ReplicaSet failed = Await.until("ReplicaFailure on the replica set", WAIT,
                () -> fixture.client().apps().replicaSets().inNamespace(ns).withName(rs.getMetadata().getName()).get(),
                r -> r.getStatus() != null && r.getStatus().getConditions() != null
                        && r.getStatus().getConditions().stream().anyMatch(c -> "ReplicaFailure".equals(c.getType())));
        ReplicaSetCondition rc = failed.getStatus().getConditions().stream()
                .filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElseThrow();
        assertEquals("True", rc.getStatus());
        assertEquals("FailedCreate", rc.getReason());
        // Kubernetes puts the apiserver's Status message here, not a fixture.client() library's wrapping of it.
        assertTrue(rc.getMessage().matches("pods( \"[^\"]*\")? is forbidden: unable to create new content in namespace "
                + ns + " because it is being terminated"), rc.getMessage());
        assertEquals(0, failed.getStatus().getReplicas());

        Deployment d = Await.until("ReplicaFailure on the deployment", WAIT,
                () -> fixture.client().apps().deployments().inNamespace(ns).withName("refused").get(),
                x -> x.getStatus() != null && x.getStatus().getConditions() != null
                        && x.getStatus().getConditions().stream().anyMatch(c -> "ReplicaFailure".equals(c.getType())));
        DeploymentCondition dc = d.getStatus().getConditions().stream()
                .filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElseThrow();
        assertEquals("True", dc.getStatus());
        assertEquals("FailedCreate", dc.getReason());
        assertEquals(rc.getMessage(), dc.getMessage());
    }
}
