package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * A node's credentials (system:node:n1 in system:nodes, as agents get them) reach its own objects and nothing of
 * other nodes or the workloads: Kubernetes' Node authorizer and NodeRestriction, on a real etcd.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeAuthorizationIntegrationTest {
    TestCluster cluster;
    KubernetesClient admin;
    KubernetesClient n1;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start();
        admin = cluster.client();
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        CertificateAuthority.Issued cert = ca.issueClient("system:node:n1", List.of("system:nodes"), Duration.ofDays(1));
        Path kubeconfig = cluster.dataDir().resolve("n1.kubeconfig");
        Kubeconfigs.write(kubeconfig, cluster.url(), ca.certificatePem(), cert.certificatePem(), cert.keyPem(), "n1");
        n1 = KubeClients.fromKubeconfig(kubeconfig);
        admin.nodes().resource(node("n2")).create();
        admin.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("used")
                .endMetadata().addToStringData("k", "v").build()).create();
        admin.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("unused")
                .endMetadata().addToStringData("k", "v").build()).create();
        admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("env")
                .endMetadata().addToData("k", "v").build()).create();
        admin.pods().inNamespace("default").resource(pod("on-n1", "n1")).create();
        admin.pods().inNamespace("default").resource(pod("on-n2", "n2")).create();
    }

    @AfterAll
    void stop() {
        n1.close();
        cluster.close();
    }

    static Node node(String name) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(node)
                .addNewVolume().withName("s").withNewSecret().withSecretName("used").endSecret().endVolume()
                .addNewContainer().withName("c").withImage("nginx:1.27")
                .addNewEnvFrom().withNewConfigMapRef().withName("env").endConfigMapRef().endEnvFrom()
                .endContainer().endSpec().build();
    }

    static void forbidden(String messagePart, Executable call) {
        KubernetesClientException e = assertThrows(KubernetesClientException.class, call);
        assertEquals(403, e.getCode(), e.getMessage());
        assertNotNull(e.getStatus());
        assertEquals("Forbidden", e.getStatus().getReason());
        assertTrue(e.getStatus().getMessage().contains(messagePart), e.getStatus().getMessage());
    }

    @Test
    void nodeWritesItsOwnNodeAndStatusButNotAnotherNodes() {
        n1.nodes().resource(node("n1")).create();
        n1.nodes().withName("n1").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
        n1.nodes().withName("n1").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        assertEquals("b", admin.nodes().withName("n1").get().getMetadata().getLabels().get("a"));
        forbidden("node 'n1' cannot modify node 'n2'", () -> n1.nodes().withName("n2")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}"));
        forbidden("node 'n1' cannot modify node 'n2'", () -> n1.nodes().withName("n2").delete());
        forbidden("nodes \"n3\" is forbidden: node \"n1\" is not allowed to modify node \"n3\"",
                () -> n1.nodes().resource(node("n3")).create());
        Map<String, String> n2Labels = admin.nodes().withName("n2").get().getMetadata().getLabels();
        assertTrue(n2Labels == null || !n2Labels.containsKey("a"), "n2 unchanged: " + n2Labels);
        assertEquals(null, admin.nodes().withName("n3").get());
    }

    /** NodeRestriction (issue 20): taints and the labels that steer workloads stay the administrator's. */
    @Test
    void nodeCannotChangeItsTaintsNorRestrictedLabels() throws Exception {
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        CertificateAuthority.Issued cert = ca.issueClient("system:node:n4", List.of("system:nodes"), Duration.ofDays(1));
        Path kubeconfig = cluster.dataDir().resolve("n4.kubeconfig");
        Kubeconfigs.write(kubeconfig, cluster.url(), ca.certificatePem(), cert.certificatePem(), cert.keyPem(), "n4");
        try (KubernetesClient n4 = KubeClients.fromKubeconfig(kubeconfig)) {
            forbidden("nodes \"n4\" is forbidden: node \"n4\" is not allowed to set the following labels: "
                    + "node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane",
                    () -> n4.nodes().resource(new NodeBuilder().withNewMetadata().withName("n4")
                            .addToLabels("node-role.kubernetes.io/control-plane", "")
                            .addToLabels("node-restriction.kubernetes.io/pool", "gpu")
                            .addToLabels("kubernetes.io/hostname", "n4").endMetadata().build()).create());
            n4.nodes().resource(new NodeBuilder().withNewMetadata().withName("n4")
                    .addToLabels("kubernetes.io/hostname", "n4").addToLabels("example.com/own", "yes").endMetadata()
                    .withNewSpec().addNewTaint().withKey("registered").withEffect("NoSchedule").endTaint().endSpec()
                    .build()).create();
            admin.nodes().withName("n4").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{"
                    + "\"node-restriction.kubernetes.io/pool\":\"gpu\"}},\"spec\":{\"taints\":[{\"key\":\"registered\","
                    + "\"effect\":\"NoSchedule\"},{\"key\":\"dedicated\",\"value\":\"db\",\"effect\":\"NoExecute\"}]}}");

            forbidden("nodes \"n4\" is forbidden: node \"n4\" is not allowed to modify taints",
                    () -> n4.nodes().withName("n4").patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"spec\":{\"taints\":null}}"));
            forbidden("node \"n4\" is not allowed to modify taints", () -> n4.nodes().withName("n4")
                    .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"replace\",\"path\":\"/spec/taints/1/value\","
                            + "\"value\":\"web\"}]"));
            forbidden("nodes \"n4\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool",
                    () -> n4.nodes().withName("n4").patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"labels\":{\"node-restriction.kubernetes.io/pool\":null}}}"));
            forbidden("is not allowed to modify labels: node-role.kubernetes.io/worker",
                    () -> n4.nodes().withName("n4").patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"labels\":{\"node-role.kubernetes.io/worker\":\"\"}}}"));
            forbidden("is not allowed to modify labels: node-role.kubernetes.io/worker",
                    () -> n4.nodes().withName("n4").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"labels\":{\"node-role.kubernetes.io/worker\":\"\"}}}"));

            // what a kubelet does stays allowed: its own labels, other label domains, status
            n4.nodes().withName("n4").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{"
                    + "\"topology.kubernetes.io/zone\":\"z1\",\"node.kubernetes.io/exclude-from-external-load-balancers\":"
                    + "\"\",\"example.com/own\":\"no\"}}}");
            n4.nodes().withName("n4").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
            Node after = admin.nodes().withName("n4").get();
            assertEquals(2, after.getSpec().getTaints().size());
            assertEquals("db", after.getSpec().getTaints().get(1).getValue());
            assertEquals("gpu", after.getMetadata().getLabels().get("node-restriction.kubernetes.io/pool"));
            assertEquals("z1", after.getMetadata().getLabels().get("topology.kubernetes.io/zone"));
            assertEquals("no", after.getMetadata().getLabels().get("example.com/own"));
            assertTrue(!after.getMetadata().getLabels().containsKey("node-role.kubernetes.io/worker"));
        }
    }

    @Test
    void nodeUpdatesStatusOfItsOwnPodsOnly() {
        n1.pods().inNamespace("default").withName("on-n1").subresource("status").patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\"}}");
        assertEquals("Running", admin.pods().inNamespace("default").withName("on-n1").get().getStatus().getPhase());
        forbidden("pods bound to it", () -> n1.pods().inNamespace("default").withName("on-n2").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Failed\"}}"));
        forbidden("pods bound to it", () -> n1.pods().inNamespace("default").withName("on-n2").delete());
        forbidden("pods bound to it", () -> n1.pods().inNamespace("default").resource(pod("new", "n1")).create());
        forbidden("pods bound to it", () -> n1.pods().inNamespace("default").withName("on-n1")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"));
        forbidden("pods \"on-n1\" is forbidden: node \"n1\" cannot update labels through pod status",
                () -> n1.pods().inNamespace("default").withName("on-n1").subresource("status").patch(
                        PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"));
        assertEquals("Pending", admin.pods().inNamespace("default").withName("on-n2").get().getStatus().getPhase());
        assertEquals(2, n1.pods().inNamespace("default").list().getItems().size(), "reads are allowed");
    }

    @Test
    void nodeReadsOnlySecretsAndConfigMapsItsPodsUse() {
        assertEquals("v", new String(java.util.Base64.getDecoder().decode(
                n1.secrets().inNamespace("default").withName("used").get().getData().get("k"))));
        assertEquals(Map.of("k", "v"), n1.configMaps().inNamespace("default").withName("env").get().getData());
        forbidden("no relationship found between node 'n1' and this object",
                () -> n1.secrets().inNamespace("default").withName("unused").get());
        forbidden("cannot list resource \"secrets\"", () -> n1.secrets().inNamespace("default").list());
        forbidden("cannot update resource \"configmaps\"", () -> n1.configMaps().inNamespace("default")
                .resource(new ConfigMapBuilder().withNewMetadata().withName("env").endMetadata()
                        .addToData("k", "changed").build()).update());
        assertEquals(Map.of("k", "v"), admin.configMaps().inNamespace("default").withName("env").get().getData());
    }

    @Test
    void nodeWritesItsOwnLeaseAndEventsButNoWorkloads() {
        n1.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName("n1")
                .endMetadata().withNewSpec().withHolderIdentity("n1").endSpec().build()).create();
        forbidden("leases.coordination.k8s.io \"n2\" is forbidden: can only access node lease with the same name as "
                + "the requesting node", () -> n1.leases().inNamespace("kube-node-lease")
                .resource(new LeaseBuilder().withNewMetadata().withName("n2").endMetadata().build()).create());
        n1.v1().events().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata().withName("on-n1.1").endMetadata().withNewInvolvedObject().withKind("Pod")
                .withName("on-n1").withNamespace("default").endInvolvedObject().withReason("Started")
                .withMessage("Started container c").withType("Normal").build()).create();
        forbidden("may only read this resource", () -> n1.namespaces().resource(
                new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("mine").endMetadata()
                        .build()).create());
        forbidden("may only read this resource", () -> n1.apps().deployments().inNamespace("default").delete());
        assertEquals(null, admin.namespaces().withName("mine").get());
        assertEquals(1, n1.services().inNamespace("default").list().getItems().size(), "the kubernetes Service");
    }

    static io.fabric8.kubernetes.api.model.PersistentVolume localPath(String name, String node, boolean provisioned) {
        io.fabric8.kubernetes.api.model.PersistentVolumeBuilder b = new io.fabric8.kubernetes.api.model
                .PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata();
        if (provisioned) {
            b.editMetadata().addToAnnotations("pv.kubernetes.io/provisioned-by", "keelson.dev/local-path").endMetadata();
        }
        return b.withNewSpec().withCapacity(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")))
                .withAccessModes("ReadWriteOnce").withNewHostPath().withPath("/var/lib/x/" + name).endHostPath()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("kubernetes.io/hostname").withOperator("In").withValues(node).endMatchExpression()
                .endNodeSelectorTerm().endRequired().endNodeAffinity().endSpec().build();
    }

    /** The local-path provisioner in a node's kubelet creates and deletes only its own node's volumes. */
    @Test
    void nodeCreatesAndDeletesOnlyLocalPathVolumesPinnedToItself() throws Exception {
        n1.persistentVolumes().resource(localPath("pvc-n1", "n1", true)).create();
        forbidden("node \"n1\" can only create persistent volumes provisioned by keelson.dev/local-path with node "
                + "affinity to itself", () -> n1.persistentVolumes().resource(localPath("pvc-n2", "n2", true)).create());
        forbidden("node \"n1\" can only create persistent volumes provisioned by keelson.dev/local-path",
                () -> n1.persistentVolumes().resource(localPath("static", "n1", false)).create());
        admin.persistentVolumes().resource(localPath("theirs", "n2", true)).create();
        for (int i = 0; i < 100 && admin.persistentVolumes().withName("theirs").get() == null; i++) {
            Thread.sleep(50);
        }
        forbidden("node 'n1' can only create and delete the local-path volumes of its own node",
                () -> n1.persistentVolumes().withName("theirs").delete());
        forbidden("node 'n1' can only create and delete the local-path volumes of its own node",
                () -> n1.persistentVolumes().withName("pvc-n1").edit(pv -> {
                    pv.getSpec().setStorageClassName("other");
                    return pv;
                }));
        n1.persistentVolumes().withName("pvc-n1").delete();
        assertNotNull(admin.persistentVolumes().withName("theirs").get());
        assertNotNull(admin.persistentVolumes().withName("pvc-n1").get().getMetadata().getDeletionTimestamp(),
                "deleted by n1 (kept by its pv-protection finalizer until no claim binds it)");
    }
}
