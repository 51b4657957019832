package dev.keelson.controllermanager.resourcequota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.quota.QuotaUsage;
import dev.keelson.componentbase.quota.QuotaUsage.Amount;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' resourcequota controller: keeps each ResourceQuota's {@code status.hard} equal to its spec and
 * {@code status.used} equal to what the namespace's objects use (counted by {@link QuotaUsage}, as the apiserver's
 * ResourceQuota admission charges them). Pods and services are watched, so their deletion gives quota back at once;
 * other counted kinds ({@code count/configmaps}, {@code count/deployments.apps} ...) are listed on every sync and
 * every quota is synced again every {@link #FULL_RESYNC}.
 */
public final class ResourceQuotaController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResourceQuotaController.class);
    /** How often every quota is recounted whatever happened. */
    static final Duration FULL_RESYNC = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final SharedIndexInformer<ResourceQuota> quotas;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Service> services;
    private final Controller controller;
    private volatile boolean closed;

    public ResourceQuotaController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.quotas = informers.namespaced(ResourceQuota.class);
        this.pods = informers.pods();
        this.services = informers.services();
        this.controller = new Controller("resourcequota", this::sync, meters);
        quotas.addEventHandler(controller.handler());
        pods.addEventHandler(replenish());
        services.addEventHandler(replenish());
    }

    /** A change of a counted object requeues the quotas of its namespace. */
    private <T extends HasMetadata> ResourceEventHandler<T> replenish() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                requeue(obj.getMetadata().getNamespace());
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                requeue(newObj.getMetadata().getNamespace());
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                requeue(obj.getMetadata().getNamespace());
            }
        };
    }

    private void requeue(String namespace) {
        for (ResourceQuota q : quotas.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, namespace)) {
            controller.enqueue(q);
        }
    }

    public void run(int workers) throws InterruptedException {
        Thread resync = new Thread(() -> {
            while (!closed) {
                try {
                    Thread.sleep(FULL_RESYNC.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                quotas.getStore().list().forEach(controller::enqueue);
            }
        }, "resourcequota-resync");
        resync.setDaemon(true);
        resync.start();
        controller.run(workers, List.of(quotas, pods, services), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        closed = true;
        controller.close();
    }

    void sync(String key) {
        ResourceQuota quota = quotas.getStore().getByKey(key);
        if (quota == null) {
            return;
        }
        String namespace = quota.getMetadata().getNamespace();
        Map<String, Quantity> hard = quota.getSpec() == null || quota.getSpec().getHard() == null
                ? Map.of() : quota.getSpec().getHard();
        Map<String, Amount> usage = usage(namespace, hard.keySet());
        Map<String, Quantity> used = new TreeMap<>();
        for (String k : hard.keySet()) {
            Amount a = usage.get(k);
            used.put(k, new Quantity(a == null ? "0" : a.toString()));
        }
        Map<String, Quantity> oldHard = quota.getStatus() == null ? null : quota.getStatus().getHard();
        Map<String, Quantity> oldUsed = quota.getStatus() == null ? null : quota.getStatus().getUsed();
        if (sameQuantities(oldHard, hard) && sameQuantities(oldUsed, used)) {
            return;
        }
        ResourceQuota copy = client.getKubernetesSerialization().clone(quota);
        copy.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(new TreeMap<>(hard), used));
        try {
            client.resourceQuotas().inNamespace(namespace).resource(copy).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            throw e;
        }
        log.debug("resource quota {}: used {}", key, used);
    }

    private static boolean sameQuantities(Map<String, Quantity> a, Map<String, Quantity> b) {
        return strings(a).equals(strings(b));
    }

    private static Map<String, String> strings(Map<String, Quantity> m) {
        Map<String, String> out = new TreeMap<>();
        if (m != null) {
            m.forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }

    /** What the namespace's objects use of the resources {@code names}. */
    private Map<String, Amount> usage(String namespace, java.util.Set<String> names) {
        Map<String, Amount> total = new LinkedHashMap<>();
        Instant now = Instant.now();
        boolean podResources = names.stream().anyMatch(n -> n.equals("pods") || n.equals("count/pods")
                || QuotaUsage.CONTAINER_CONSTRAINTS.contains(n) || n.startsWith("requests.") || n.startsWith("limits.")
                || n.equals("ephemeral-storage"));
        if (podResources) {
            for (Pod p : pods.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, namespace)) {
                add(total, QuotaUsage.of("", "pods", JSON.valueToTree(p), now));
            }
        }
        if (names.stream().anyMatch(n -> n.startsWith("services") || n.equals("count/services"))) {
            for (Service s : services.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, namespace)) {
                add(total, QuotaUsage.of("", "services", JSON.valueToTree(s), now));
            }
        }
        for (String name : names) {
            String[] groupResource = countedKind(name);
            if (groupResource == null || total.containsKey(name)) {
                continue;
            }
            for (GenericKubernetesResource o : list(groupResource[0], groupResource[1], namespace)) {
                JsonNode json = JSON.valueToTree(o);
                Amount a = QuotaUsage.of(groupResource[0], groupResource[1], json, now).get(name);
                if (a != null) {
                    total.merge(name, a, Amount::plus);
                }
            }
        }
        return total;
    }

    private static void add(Map<String, Amount> total, Map<String, Amount> usage) {
        usage.forEach((k, v) -> total.merge(k, v, Amount::plus));
    }

    /** {@code count/deployments.apps} -> [apps, deployments]; legacy names -> core; null for other resources. */
    static String[] countedKind(String name) {
        if (name.startsWith("count/")) {
            String gr = name.substring("count/".length());
            int dot = gr.indexOf('.');
            return dot < 0 ? new String[] {"", gr} : new String[] {gr.substring(dot + 1), gr.substring(0, dot)};
        }
        return switch (name) {
            case "configmaps", "secrets", "replicationcontrollers", "resourcequotas", "persistentvolumeclaims" ->
                    new String[] {"", name};
            default -> null;
        };
    }

    private List<GenericKubernetesResource> list(String group, String plural, String namespace) {
        String version = "v1";
        if (!group.isEmpty()) {
            APIGroup g = client.getApiGroup(group);
            if (g == null || g.getPreferredVersion() == null) {
                return List.of();
            }
            version = g.getPreferredVersion().getVersion();
        }
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(group)
                .withVersion(version).withPlural(plural).withNamespaced(true).build();
        try {
            return client.genericKubernetesResources(context).inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            throw e;
        }
    }
}
