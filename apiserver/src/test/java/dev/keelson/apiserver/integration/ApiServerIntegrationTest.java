package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The apiserver on a real etcd, driven by the fabric8 client as every Keelson component drives it. */
class ApiServerIntegrationTest {
    static TestCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        client = cluster.client();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static <T> T await(String what, Supplier<T> probe, java.util.function.Predicate<T> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        T last = null;
        while (Instant.now().isBefore(deadline)) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
    }

    static ConfigMap configMap(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", value).build();
    }

    @Test
    void bootstrapObjectsExist() {
        Set<String> names = new HashSet<>();
        client.namespaces().list().getItems().forEach(n -> names.add(n.getMetadata().getName()));
        assertTrue(names.containsAll(List.of("default", "kube-system", "kube-public", "kube-node-lease")), names.toString());
        Service k = client.services().inNamespace("default").withName("kubernetes").get();
        assertEquals("10.96.0.1", k.getSpec().getClusterIP());
        assertEquals("Active", client.namespaces().withName("default").get().getStatus().getPhase());
    }

    @Test
    void createGetUpdateDeleteConfigMap() {
        ConfigMap created = client.configMaps().inNamespace("default").resource(configMap("crud", "1")).create();
        assertNotNull(created.getMetadata().getUid());
        assertNotNull(created.getMetadata().getCreationTimestamp());
        ConfigMap got = client.configMaps().inNamespace("default").withName("crud").get();
        assertEquals(created.getMetadata().getResourceVersion(), got.getMetadata().getResourceVersion());
        got.getData().put("k", "2");
        ConfigMap updated = client.configMaps().inNamespace("default").resource(got).update();
        assertEquals("2", updated.getData().get("k"));
        assertTrue(Long.parseLong(updated.getMetadata().getResourceVersion())
                > Long.parseLong(created.getMetadata().getResourceVersion()));
        client.configMaps().inNamespace("default").withName("crud").delete();
        assertNull(client.configMaps().inNamespace("default").withName("crud").get());
    }

    @Test
    void staleUpdateIsRejectedWith409Conflict() {
        ConfigMap created = client.configMaps().inNamespace("default").resource(configMap("stale", "1")).create();
        ConfigMap copy = client.configMaps().inNamespace("default").withName("stale").get();
        copy.getData().put("k", "2");
        client.configMaps().inNamespace("default").resource(copy).update();
        created.getData().put("k", "3");
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("default").resource(created).update());
        assertEquals(409, e.getCode());
        assertEquals("Conflict", e.getStatus().getReason());
        assertEquals("2", client.configMaps().inNamespace("default").withName("stale").get().getData().get("k"));
    }

    @Test
    void duplicateCreateIsAlreadyExistsAndChangesNothing() {
        client.configMaps().inNamespace("default").resource(configMap("dup", "first")).create();
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("default").resource(configMap("dup", "second")).create());
        assertEquals(409, e.getCode());
        assertEquals("AlreadyExists", e.getStatus().getReason());
        assertEquals("configmaps \"dup\" already exists", e.getStatus().getMessage());
        assertEquals("first", client.configMaps().inNamespace("default").withName("dup").get().getData().get("k"));
    }

    @Test
    void generateNameGivesUniqueNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withGenerateName("gen-").endMetadata().build();
            names.add(client.configMaps().inNamespace("default").resource(cm).create().getMetadata().getName());
        }
        assertEquals(20, names.size());
        names.forEach(n -> assertTrue(n.matches("gen-[a-z0-9]{5}"), n));
    }

    @Test
    void invalidNameIsRejectedWith422AndCauses() {
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("default").resource(configMap("Bad_Name", "1")).create());
        assertEquals(422, e.getCode());
        assertEquals("Invalid", e.getStatus().getReason());
        assertFalse(e.getStatus().getDetails().getCauses().isEmpty());
        assertEquals("metadata.name", e.getStatus().getDetails().getCauses().get(0).getField());
    }

    @Test
    void createInMissingNamespaceIsNotFound() {
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("nope").resource(configMap("x", "1")).create());
        assertEquals(404, e.getCode());
        assertEquals("namespaces \"nope\" not found", e.getStatus().getMessage());
    }

    @Test
    void generationBumpsOnlyOnSpecChangesAndStatusWritesOnlyStatus() {
        Deployment d = new DeploymentBuilder().withNewMetadata().withName("gen").endMetadata().withNewSpec()
                .withReplicas(1).withNewSelector().addToMatchLabels("app", "gen").endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("app", "gen").endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("nginx:1.27").endContainer().endSpec().endTemplate().endSpec().build();
        Deployment created = client.apps().deployments().inNamespace("default").resource(d).create();
        assertEquals(1L, created.getMetadata().getGeneration());
        assertEquals(10, created.getSpec().getRevisionHistoryLimit(), "defaults applied");
        created.getMetadata().getLabels();
        Deployment labelled = client.apps().deployments().inNamespace("default").withName("gen")
                .edit(x -> { x.getMetadata().setLabels(Map.of("team", "a")); return x; });
        assertEquals(1L, labelled.getMetadata().getGeneration());
        Deployment scaled = client.apps().deployments().inNamespace("default").withName("gen")
                .edit(x -> { x.getSpec().setReplicas(3); return x; });
        assertEquals(2L, scaled.getMetadata().getGeneration());
        scaled.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(7)
                .withObservedGeneration(2L).build());
        scaled.getSpec().setReplicas(9);
        Deployment afterStatus = client.apps().deployments().inNamespace("default").resource(scaled).updateStatus();
        assertEquals(7, afterStatus.getStatus().getReplicas());
        assertEquals(3, afterStatus.getSpec().getReplicas(), "a status write must not change spec");
        assertEquals(2L, afterStatus.getMetadata().getGeneration());
        Deployment mainWrite = client.apps().deployments().inNamespace("default").withName("gen")
                .edit(x -> { x.getStatus().setReplicas(100); return x; });
        assertEquals(7, mainWrite.getStatus().getReplicas(), "a main write must not change status");
    }

    @Test
    void scheduledPodDeletesGracefullyAndEmitsDeletedOnFinalRemoval() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("graceful").endMetadata().withNewSpec()
                .withNodeName("node-a").addNewContainer().withName("c").withImage("nginx:1.27").endContainer()
                .endSpec().build();
        client.pods().inNamespace("default").resource(pod).create();
        List<String> events = new CopyOnWriteArrayList<>();
        Watch w = client.pods().inNamespace("default").withName("graceful").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod resource) {
                events.add(action.name());
            }

            @Override
            public void onClose(WatcherException cause) { }
        });
        client.pods().inNamespace("default").withName("graceful").delete();
        Pod terminating = client.pods().inNamespace("default").withName("graceful").get();
        assertNotNull(terminating, "a bound pod waits for its kubelet");
        assertNotNull(terminating.getMetadata().getDeletionTimestamp());
        assertEquals(30L, terminating.getMetadata().getDeletionGracePeriodSeconds());
        client.pods().inNamespace("default").withName("graceful").withGracePeriod(0).delete();
        await("pod removed", () -> client.pods().inNamespace("default").withName("graceful").get(), p -> p == null);
        await("DELETED event", () -> events, e -> e.contains("DELETED"));
        w.close();
    }

    @Test
    void finalizersHoldDeletionUntilRemoved() {
        ConfigMap cm = configMap("held", "1");
        cm.getMetadata().setFinalizers(List.of("example.com/hold"));
        client.configMaps().inNamespace("default").resource(cm).create();
        client.configMaps().inNamespace("default").withName("held").delete();
        ConfigMap held = client.configMaps().inNamespace("default").withName("held").get();
        assertNotNull(held.getMetadata().getDeletionTimestamp());
        client.configMaps().inNamespace("default").withName("held").edit(x -> {
            x.getMetadata().setFinalizers(List.of());
            return x;
        });
        assertNull(client.configMaps().inNamespace("default").withName("held").get());
    }

    @Test
    void watchResumesFromAResourceVersion() throws Exception {
        ConfigMap a = client.configMaps().inNamespace("default").resource(configMap("resume-a", "1")).create();
        client.configMaps().inNamespace("default").resource(configMap("resume-b", "1")).create();
        client.configMaps().inNamespace("default").resource(configMap("resume-c", "1")).create();
        List<String> seen = new CopyOnWriteArrayList<>();
        Watch w = client.configMaps().inNamespace("default")
                .watch(new ListOptionsBuilder().withResourceVersion(a.getMetadata().getResourceVersion()).build(),
                        new Watcher<>() {
                            @Override
                            public void eventReceived(Action action, ConfigMap r) {
                                seen.add(action + ":" + r.getMetadata().getName());
                            }

                            @Override
                            public void onClose(WatcherException cause) { }
                        });
        await("events after the resource version", () -> seen,
                s -> s.contains("ADDED:resume-b") && s.contains("ADDED:resume-c"));
        assertFalse(seen.contains("ADDED:resume-a"), seen.toString());
        w.close();
    }

    @Test
    void listPaginatesWithLimitAndContinue() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("paging").endMetadata().build())
                .create();
        for (int i = 0; i < 25; i++) {
            client.configMaps().inNamespace("paging").resource(configMap("p-" + i, "v")).create();
        }
        Set<String> names = new HashSet<>();
        String cont = null;
        int pages = 0;
        do {
            ConfigMapList page = client.configMaps().inNamespace("paging")
                    .list(new ListOptionsBuilder().withLimit(10L).withContinue(cont).build());
            page.getItems().forEach(c -> names.add(c.getMetadata().getName()));
            cont = page.getMetadata().getContinue();
            pages++;
        } while (cont != null && !cont.isEmpty());
        assertEquals(25, names.size());
        assertEquals(3, pages);
    }

    @Test
    void labelAndFieldSelectorsFilterLists() {
        ConfigMap one = configMap("sel-1", "1");
        one.getMetadata().setLabels(Map.of("tier", "web", "env", "prod"));
        ConfigMap two = configMap("sel-2", "1");
        two.getMetadata().setLabels(Map.of("tier", "db"));
        client.configMaps().inNamespace("default").resource(one).create();
        client.configMaps().inNamespace("default").resource(two).create();
        assertEquals(List.of("sel-1"), names(client.configMaps().inNamespace("default").withLabelSelector(
                new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addNewMatchExpression().withKey("tier")
                        .withOperator("In").withValues("web", "cache").endMatchExpression().build()).list()));
        assertEquals(List.of("sel-2"), names(client.configMaps().inNamespace("default").withLabel("tier")
                .withoutLabel("env").list()));
        assertEquals(List.of("sel-2"), names(client.configMaps().inNamespace("default")
                .withField("metadata.name", "sel-2").list()));
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("default").withField("spec.nope", "x").list());
        assertEquals(400, e.getCode());
    }

    private static List<String> names(ConfigMapList list) {
        List<String> out = new ArrayList<>();
        list.getItems().forEach(c -> out.add(c.getMetadata().getName()));
        return out;
    }

    @Test
    void informerStaysInSyncThroughAThousandChanges() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("informer").endMetadata().build())
                .create();
        Map<String, String> view = new ConcurrentHashMap<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("informer").inform(
                new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap obj) {
                        view.put(obj.getMetadata().getName(), obj.getData().get("k"));
                    }

                    @Override
                    public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                        view.put(newObj.getMetadata().getName(), newObj.getData().get("k"));
                    }

                    @Override
                    public void onDelete(ConfigMap obj, boolean unknown) {
                        view.remove(obj.getMetadata().getName());
                    }
                });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            work.add(pool.submit(() -> {
                String name = "cm-" + n;
                client.configMaps().inNamespace("informer").resource(configMap(name, "0")).create();
                for (int v = 1; v <= 8; v++) {
                    int value = v;
                    client.configMaps().inNamespace("informer").withName(name).edit(c -> {
                        c.getData().put("k", Integer.toString(value));
                        return c;
                    });
                }
                if (n % 10 == 0) {
                    client.configMaps().inNamespace("informer").withName(name).delete();
                }
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();
        Map<String, String> truth = new java.util.HashMap<>();
        client.configMaps().inNamespace("informer").list().getItems()
                .forEach(c -> truth.put(c.getMetadata().getName(), c.getData().get("k")));
        assertEquals(90, truth.size());
        await("informer view equals the server's", () -> new java.util.HashMap<>(view), v -> v.equals(truth));
        informer.close();
    }

    @Test
    void clusterIpsAndNodePortsAreUniqueUnderConcurrentCreates() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Service>> created = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            created.add(pool.submit(() -> client.services().inNamespace("default").resource(new ServiceBuilder()
                    .withNewMetadata().withName("alloc-" + n).endMetadata().withNewSpec().withType("NodePort")
                    .addToSelector("app", "x").addNewPort().withPort(80).endPort().endSpec().build()).create()));
        }
        Set<String> ips = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        for (Future<Service> f : created) {
            Service s = f.get();
            ips.add(s.getSpec().getClusterIP());
            ports.add(s.getSpec().getPorts().get(0).getNodePort());
        }
        pool.shutdown();
        assertEquals(40, ips.size());
        assertEquals(40, ports.size());
        ports.forEach(p -> assertTrue(p >= 30000 && p <= 32767, "node port " + p));
        Service taken = client.services().inNamespace("default").withName("alloc-0").get();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.services()
                .inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("alloc-dup")
                        .endMetadata().withNewSpec().withClusterIP(taken.getSpec().getClusterIP())
                        .addNewPort().withPort(80).endPort().endSpec().build()).create());
        assertEquals(422, e.getCode());
        client.services().inNamespace("default").withName("alloc-0").delete();
        Service reuse = client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata()
                .withName("alloc-reuse").endMetadata().withNewSpec().withClusterIP(taken.getSpec().getClusterIP())
                .withType("NodePort").addNewPort().withPort(80).withNodePort(taken.getSpec().getPorts().get(0)
                        .getNodePort()).endPort().endSpec().build()).create();
        assertEquals(taken.getSpec().getClusterIP(), reuse.getSpec().getClusterIP(), "released on delete");
        assertNotEquals("", reuse.getSpec().getClusterIP());
    }
}
