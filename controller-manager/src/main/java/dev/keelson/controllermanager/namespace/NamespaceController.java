package dev.keelson.controllermanager.namespace;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Empties namespaces that are being deleted: deletes every namespaced object the apiserver serves in it
 * (found through discovery), waits until none is left, then removes the {@code kubernetes} finalizer through
 * the namespaces/{name}/finalize subresource so the apiserver can remove the namespace.
 */
public final class NamespaceController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NamespaceController.class);
    static final String FINALIZER = "kubernetes";

    private final KubernetesClient client;
    private final SharedIndexInformer<Namespace> informer;
    private final Controller controller;

    public NamespaceController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.informer = informers.namespaces();
        this.controller = new Controller("namespace", this::sync, meters);
        informer.addEventHandler(controller.handler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(informer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String name) throws Exception {
        Namespace ns = informer.getStore().getByKey(name);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() == null) {
            return;
        }
        List<String> finalizers = ns.getSpec() == null || ns.getSpec().getFinalizers() == null
                ? List.of() : ns.getSpec().getFinalizers();
        if (!finalizers.contains(FINALIZER)) {
            return;
        }
        long remaining = deleteContent(name);
        if (remaining > 0) {
            log.info("namespace {}: waiting for {} objects to go away", name, remaining);
            controller.enqueueAfter(name, Duration.ofSeconds(1));
            return;
        }
        finalizeNamespace(ns);
    }

    /** Deletes what is left in the namespace; returns how many objects still existed. */
    private long deleteContent(String namespace) {
        long remaining = 0;
        for (ResourceDefinitionContext type : namespacedTypes()) {
            List<GenericKubernetesResource> items;
            try {
                items = client.genericKubernetesResources(type).inNamespace(namespace).list().getItems();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404 || e.getCode() == 405) {
                    continue;
                }
                throw e;
            }
            if (items.isEmpty()) {
                continue;
            }
            remaining += items.size();
            for (GenericKubernetesResource item : items) {
                if (item.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                try {
                    client.genericKubernetesResources(type).inNamespace(namespace)
                            .withName(item.getMetadata().getName()).delete();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                }
            }
        }
        return remaining;
    }

    /** Every namespaced resource that can be listed and deleted, from discovery. */
    private List<ResourceDefinitionContext> namespacedTypes() {
        List<ResourceDefinitionContext> types = new ArrayList<>();
        addTypes(types, "", "v1", client.getApiResources("v1"));
        for (APIGroup group : client.getApiGroups().getGroups()) {
            String gv = group.getPreferredVersion().getGroupVersion();
            try {
                addTypes(types, group.getName(), group.getPreferredVersion().getVersion(), client.getApiResources(gv));
            } catch (KubernetesClientException e) {
                log.debug("discovery of {} failed: {}", gv, e.getMessage());
            }
        }
        return types;
    }

    private static void addTypes(List<ResourceDefinitionContext> out, String group, String version, APIResourceList list) {
        if (list == null || list.getResources() == null) {
            return;
        }
        for (APIResource r : list.getResources()) {
            if (r.getName().contains("/") || !Boolean.TRUE.equals(r.getNamespaced()) || r.getVerbs() == null
                    || !r.getVerbs().contains("delete") || !r.getVerbs().contains("list")) {
                continue;
            }
            out.add(new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
                    .withPlural(r.getName()).withKind(r.getKind()).withNamespaced(true).build());
        }
    }

    private void finalizeNamespace(Namespace ns) {
        Namespace copy = client.getKubernetesSerialization().clone(ns);
        List<String> rest = new ArrayList<>(copy.getSpec().getFinalizers());
        rest.remove(FINALIZER);
        copy.getSpec().setFinalizers(rest);
        String url = client.getMasterUrl().toString().replaceAll("/$", "")
                + "/api/v1/namespaces/" + ns.getMetadata().getName() + "/finalize";
        client.raw(url, "PUT", client.getKubernetesSerialization().asJson(copy));
        log.info("namespace {} is empty: removed finalizer {}", ns.getMetadata().getName(), FINALIZER);
    }
}
