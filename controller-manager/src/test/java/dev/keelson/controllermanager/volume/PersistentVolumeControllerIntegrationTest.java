package dev.keelson.controllermanager.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.testing.Await;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The persistentvolume-binder, pvc-protection and pv-protection controllers against a real apiserver and etcd: which
 * volume a claim binds, what a claim that cannot bind says, WaitForFirstConsumer and provisioning, reclaim policies,
 * and claims kept while a pod uses them.
 */
class PersistentVolumeControllerIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static KubernetesClient controllerClient;
    private static SharedInformers informers;
    private static PersistentVolumeController binder;
    private static PvcProtectionController pvcProtection;
    private static PvProtectionController pvProtection;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start();
        client = cluster.client();
        controllerClient = cluster.newClient();
        informers = new SharedInformers(controllerClient);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        binder = new PersistentVolumeController(informers, meters);
        pvcProtection = new PvcProtectionController(informers, meters);
        pvProtection = new PvProtectionController(informers, meters);
        binder.run(2);
        pvcProtection.run();
        pvProtection.run();
    }

    @AfterAll
    static void stop() {
        binder.close();
        pvcProtection.close();
        pvProtection.close();
        informers.close();
        controllerClient.close();
        cluster.close();
    }

    private static String namespace() {
        String name = "pv-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        return name;
    }

    private static PersistentVolume volume(String name, String size, String cls, String reclaim, String... modes) {
        return client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity(size)))
                .withAccessModes(modes).withStorageClassName(cls).withPersistentVolumeReclaimPolicy(reclaim)
                .withNewHostPath().withPath("/srv/" + name).endHostPath().endSpec().build()).create();
    }

    private static PersistentVolumeClaim claim(String ns, String name, String size, String cls, String volumeName) {
        return client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                .withStorageClassName(cls).withVolumeName(volumeName).withNewResources()
                .withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec().build()).create();
    }

    private static PersistentVolumeClaim claimIn(String ns, String name, String phase) {
        return Await.until("claim " + name + " " + phase, WAIT,
                () -> client.persistentVolumeClaims().inNamespace(ns).withName(name).get(),
                c -> c != null && c.getStatus() != null && phase.equals(c.getStatus().getPhase()));
    }

    private static PersistentVolume volumeIn(String name, String phase) {
        return Await.until("volume " + name + " " + phase, WAIT, () -> client.persistentVolumes().withName(name).get(),
                v -> v != null && v.getStatus() != null && phase.equals(v.getStatus().getPhase()));
    }

    private static Event event(String ns, String object, String reason) {
        return Await.until("event " + reason + " about " + object, WAIT,
                () -> client.v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> object.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                        .findFirst().orElse(null),
                e -> e != null);
    }

    @Test
    void claimBindsTheSmallestVolumeThatFitsItsSizeModesAndClass() {
        String ns = namespace();
        String p = ns + "-";
        volume(p + "small", "1Gi", "", "Retain", "ReadWriteOnce");
        volume(p + "fits", "5Gi", "", "Retain", "ReadWriteOnce");
        volume(p + "large", "10Gi", "", "Retain", "ReadWriteOnce");
        volume(p + "readonly", "2Gi", "", "Retain", "ReadOnlyMany");
        volume(p + "other-class", "3Gi", "gold", "Retain", "ReadWriteOnce");
        volumeIn(p + "fits", "Available");

        claim(ns, "data", "2Gi", "", null);
        PersistentVolumeClaim bound = claimIn(ns, "data", "Bound");
        assertEquals(p + "fits", bound.getSpec().getVolumeName());
        assertEquals(new Quantity("5Gi"), bound.getStatus().getCapacity().get("storage"));
        assertEquals(List.of("ReadWriteOnce"), bound.getStatus().getAccessModes());
        assertEquals("yes", bound.getMetadata().getAnnotations().get("pv.kubernetes.io/bind-completed"));
        PersistentVolume pv = volumeIn(p + "fits", "Bound");
        assertEquals("data", pv.getSpec().getClaimRef().getName());
        assertEquals(bound.getMetadata().getUid(), pv.getSpec().getClaimRef().getUid());
        assertEquals("Available", client.persistentVolumes().withName(p + "large").get().getStatus().getPhase());
    }

    @Test
    void claimLargerThanAnyVolumeStaysPendingAndSaysWhy() {
        String ns = namespace();
        volume(ns + "-only", "1Gi", "", "Retain", "ReadWriteOnce");
        claim(ns, "huge", "100Gi", "", null);
        Event e = event(ns, "huge", "FailedBinding");
        assertEquals("no persistent volumes available for this claim and no storage class is set", e.getMessage());
        assertEquals("Normal", e.getType());
        PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(ns).withName("huge").get();
        assertEquals("Pending", c.getStatus().getPhase());
        assertNull(c.getSpec().getVolumeName());
        assertEquals("Available", volumeIn(ns + "-only", "Available").getStatus().getPhase());

        claim(ns, "missing-class", "1Gi", "nosuchclass", null);
        assertEquals("storageclass.storage.k8s.io \"nosuchclass\" not found",
                event(ns, "missing-class", "ProvisioningFailed").getMessage());
    }

    @Test
    void claimNamingAVolumeBindsThatOneAndRetainKeepsItReleased() {
        String ns = namespace();
        // a class of this test's own (no StorageClass object needed to match): other tests' volumes stay out of reach
        String cls = ns + "-static";
        volume(ns + "-a", "1Gi", cls, "Retain", "ReadWriteOnce");
        volume(ns + "-b", "8Gi", cls, "Retain", "ReadWriteOnce");
        claim(ns, "pinned", "1Gi", cls, ns + "-b");
        assertEquals(ns + "-b", claimIn(ns, "pinned", "Bound").getSpec().getVolumeName());
        volumeIn(ns + "-b", "Bound");

        client.persistentVolumeClaims().inNamespace(ns).withName("pinned").delete();
        Await.until("claim gone", WAIT, () -> client.persistentVolumeClaims().inNamespace(ns).withName("pinned").get(),
                c -> c == null);
        PersistentVolume released = volumeIn(ns + "-b", "Released");
        assertEquals("pinned", released.getSpec().getClaimRef().getName(), "Retain keeps the claim reference");

        claim(ns, "again", "1Gi", cls, null);
        assertEquals(ns + "-a", claimIn(ns, "again", "Bound").getSpec().getVolumeName(),
                "a released volume is not bound again");
    }

    @Test
    void staticVolumeWithDeleteFailsWhenReleased() {
        String ns = namespace();
        volume(ns + "-del", "1Gi", "", "Delete", "ReadWriteOnce");
        claim(ns, "c", "1Gi", "", null);
        claimIn(ns, "c", "Bound");
        client.persistentVolumeClaims().inNamespace(ns).withName("c").delete();
        PersistentVolume failed = volumeIn(ns + "-del", "Failed");
        assertEquals("error getting deleter volume plugin for volume \"" + ns + "-del\": no deletable volume plugin "
                + "matched", failed.getStatus().getMessage());
    }

    @Test
    void waitForFirstConsumerWaitsForASelectedNodeThenAsksTheProvisioner() {
        String ns = namespace();
        String cls = ns + "-local";
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(cls)
                .endMetadata().withProvisioner("keelson.dev/local-path").withVolumeBindingMode("WaitForFirstConsumer")
                .build()).create();
        // a matching static volume is not bound before a node is chosen
        volume(ns + "-static", "1Gi", cls, "Delete", "ReadWriteOnce");
        claim(ns, "late", "1Gi", cls, null);
        assertEquals("waiting for first consumer to be created before binding",
                event(ns, "late", "WaitForFirstConsumer").getMessage());
        assertEquals("Pending", client.persistentVolumeClaims().inNamespace(ns).withName("late").get().getStatus()
                .getPhase());
        client.persistentVolumes().withName(ns + "-static").delete();

        client.persistentVolumeClaims().inNamespace(ns).withName("late").edit(c -> {
            c.getMetadata().getAnnotations().put("volume.kubernetes.io/selected-node", "node-1");
            return c;
        });
        Event asked = event(ns, "late", "ExternalProvisioning");
        assertEquals("Waiting for a volume to be created either by the external provisioner 'keelson.dev/local-path' "
                + "or manually by the system administrator. If volume creation is delayed, please verify that the "
                + "provisioner is running and correctly registered.", asked.getMessage());
        PersistentVolumeClaim annotated = Await.until("provisioner annotation", WAIT,
                () -> client.persistentVolumeClaims().inNamespace(ns).withName("late").get(),
                c -> "keelson.dev/local-path".equals(c.getMetadata().getAnnotations()
                        .get("volume.kubernetes.io/storage-provisioner")));

        // what a provisioner does: a volume pre-bound to the claim
        String pvName = "pvc-" + annotated.getMetadata().getUid();
        client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(pvName)
                .addToAnnotations("pv.kubernetes.io/provisioned-by", "keelson.dev/local-path").endMetadata()
                .withNewSpec().withCapacity(Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce")
                .withStorageClassName(cls).withPersistentVolumeReclaimPolicy("Delete")
                .withNewClaimRef().withNamespace(ns).withName("late").withUid(annotated.getMetadata().getUid())
                .endClaimRef().withNewHostPath().withPath("/srv/" + pvName).endHostPath().endSpec().build()).create();
        assertEquals(pvName, claimIn(ns, "late", "Bound").getSpec().getVolumeName());
        volumeIn(pvName, "Bound");

        client.persistentVolumeClaims().inNamespace(ns).withName("late").delete();
        PersistentVolume released = volumeIn(pvName, "Released");
        assertNull(released.getStatus().getMessage(), "a provisioned volume is left to its provisioner");
    }

    @Test
    void claimUsedByAPodIsKeptUntilThePodIsGone() {
        String ns = namespace();
        volume(ns + "-v", "1Gi", "", "Retain", "ReadWriteOnce");
        claim(ns, "used", "1Gi", "", null);
        claimIn(ns, "used", "Bound");
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("app").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("keelson/c:1").endContainer()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("used")
                .endPersistentVolumeClaim().endVolume().endSpec().build()).create();
        client.persistentVolumeClaims().inNamespace(ns).withName("used").delete();
        PersistentVolumeClaim terminating = Await.until("claim terminating", WAIT,
                () -> client.persistentVolumeClaims().inNamespace(ns).withName("used").get(),
                c -> c != null && c.getMetadata().getDeletionTimestamp() != null);
        assertEquals(List.of("kubernetes.io/pvc-protection"), terminating.getMetadata().getFinalizers());
        // the volume cannot go either while it is bound
        client.persistentVolumes().withName(ns + "-v").delete();
        assertNotNull(client.persistentVolumes().withName(ns + "-v").get().getMetadata().getDeletionTimestamp());
        assertNotNull(client.persistentVolumeClaims().inNamespace(ns).withName("used").get(), "still protected");

        client.pods().inNamespace(ns).withName("app").withGracePeriod(0).delete();
        Await.until("claim removed", WAIT, () -> client.persistentVolumeClaims().inNamespace(ns).withName("used").get(),
                c -> c == null);
        Await.until("volume removed once released", WAIT, () -> client.persistentVolumes().withName(ns + "-v").get(),
                v -> v == null);
    }
}
