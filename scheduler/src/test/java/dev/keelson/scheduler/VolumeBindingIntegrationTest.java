package dev.keelson.scheduler;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.scheduler.testing.ClusterHelper;
import dev.keelson.scheduler.testing.Fixtures;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The VolumeBinding plugin against a real apiserver with hollow nodes: pods go where their volumes are, claims of
 * WaitForFirstConsumer classes get the chosen node or a static volume on it, and pods that cannot be placed say why
 * as Kubernetes does.
 */
@Tag("integration")
class VolumeBindingIntegrationTest {
    private static final String NS = "volumes";
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static KubernetesClient schedulerClient;
    private static Scheduler scheduler;
    private static ClusterHelper helper;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        client = cluster.client();
        helper = new ClusterHelper(client);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        helper.createNode(node("node-a", "4", "8Gi", 110));
        helper.createNode(node("node-b", "4", "8Gi", 110));
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata()
                .withName("local-path").endMetadata().withProvisioner("keelson.dev/local-path")
                .withVolumeBindingMode("WaitForFirstConsumer").build()).create();
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata()
                .withName("static-local").endMetadata().withProvisioner("kubernetes.io/no-provisioner")
                .withVolumeBindingMode("WaitForFirstConsumer").build()).create();
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata()
                .withName("immediate").endMetadata().withProvisioner("example.com/nas").build()).create();
        schedulerClient = cluster.newClient();
        scheduler = new Scheduler(schedulerClient, SchedulerOptions.builder().leaderElect(false)
                .bindAddress("127.0.0.1").securePort(0).build());
        scheduler.start();
    }

    @AfterAll
    static void stop() {
        scheduler.close();
        schedulerClient.close();
        cluster.close();
    }

    private static void claim(String name, String cls) {
        client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                .withName(name).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(cls)
                .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec()
                .build()).create();
    }

    /** A local volume on one node, made Available as the PV controller (not running here) would. */
    private static void localVolume(String name, String cls, String onNode) {
        PersistentVolume pv = client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity("2Gi")))
                .withAccessModes("ReadWriteOnce").withStorageClassName(cls).withNewLocal().withPath("/mnt/" + name)
                .endLocal().withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("kubernetes.io/hostname").withOperator("In").withValues(onNode).endMatchExpression()
                .endNodeSelectorTerm().endRequired().endNodeAffinity().endSpec().build()).create();
        pv.getStatus().setPhase("Available");
        client.persistentVolumes().resource(pv).updateStatus();
    }

    private static void podWithClaim(String name, String claim) {
        client.pods().inNamespace(NS).resource(Fixtures.pod(name, "100m", "64Mi").editMetadata().withNamespace(NS)
                .withUid(null).endMetadata().editSpec().addNewVolume().withName("data")
                .withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().endVolume().endSpec()
                .build()).create();
    }

    @Test
    void claimToProvisionGetsTheNodeItsPodWasScheduledTo() {
        claim("provisioned", "local-path");
        podWithClaim("writer", "provisioned");
        String node = helper.awaitBound(NS, "writer");
        String selected = ClusterHelper.await("selected-node", Duration.ofSeconds(30),
                () -> client.persistentVolumeClaims().inNamespace(NS).withName("provisioned").get().getMetadata()
                        .getAnnotations(), a -> a != null && a.containsKey("volume.kubernetes.io/selected-node"))
                .get("volume.kubernetes.io/selected-node");
        assertEquals(node, selected);
    }

    @Test
    void podGoesToTheNodeOfTheOnlyStaticVolumeThatFitsAndPreBindsIt() {
        localVolume("disk-on-b", "static-local", "node-b");
        claim("static", "static-local");
        podWithClaim("reader", "static");
        assertEquals("node-b", helper.awaitBound(NS, "reader"));
        PersistentVolume pv = client.persistentVolumes().withName("disk-on-b").get();
        assertEquals("static", pv.getSpec().getClaimRef().getName());
        assertEquals("yes", pv.getMetadata().getAnnotations().get("pv.kubernetes.io/bound-by-controller"));

        claim("static-2", "static-local");
        podWithClaim("reader-2", "static-2");
        helper.awaitUnschedulableMessage(NS, "reader-2",
                "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
    }

    @Test
    void claimBoundToAVolumeOnAnotherNodeKeepsThePodOffTheOthers() {
        localVolume("disk-on-gone", "", "node-gone");
        client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                .withName("pinned").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                .withStorageClassName("").withVolumeName("disk-on-gone").withNewResources()
                .withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build()).create();
        podWithClaim("stuck", "pinned");
        helper.awaitUnschedulableMessage(NS, "stuck",
                "0/2 nodes are available: 2 node(s) had volume node affinity conflict.");
    }

    @Test
    void unboundImmediateClaimOrMissingClaimRefusesEveryNode() {
        claim("nas", "immediate");
        podWithClaim("waits", "nas");
        helper.awaitUnschedulableMessage(NS, "waits",
                "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.");
        podWithClaim("orphan", "no-such-claim");
        helper.awaitUnschedulableMessage(NS, "orphan",
                "0/2 nodes are available: persistentvolumeclaim \"no-such-claim\" not found.");
    }
}
