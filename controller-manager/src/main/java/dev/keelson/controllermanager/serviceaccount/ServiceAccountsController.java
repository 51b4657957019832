package dev.keelson.controllermanager.serviceaccount;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' serviceaccount controller (pkg/controller/serviceaccount/serviceaccounts_controller.go): every active
 * namespace has a ServiceAccount {@code default}, created with the namespace and again whenever it is deleted, so a
 * pod's default identity always exists. The key is the namespace's name.
 */
public final class ServiceAccountsController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceAccountsController.class);
    public static final String DEFAULT = "default";

    private final KubernetesClient client;
    private final SharedIndexInformer<Namespace> namespaces;
    private final SharedIndexInformer<ServiceAccount> serviceAccounts;
    private final Controller controller;

    public ServiceAccountsController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.namespaces = informers.namespaces();
        this.serviceAccounts = informers.namespaced(ServiceAccount.class);
        this.controller = new Controller("serviceaccount", this::sync, meters);
        namespaces.addEventHandler(controller.handler(ns -> ns.getMetadata().getName()));
        // only a deletion can take a default account away; adds and updates need nothing
        serviceAccounts.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override
            public void onAdd(ServiceAccount sa) {
            }

            @Override
            public void onUpdate(ServiceAccount oldSa, ServiceAccount newSa) {
            }

            @Override
            public void onDelete(ServiceAccount sa, boolean deletedFinalStateUnknown) {
                if (DEFAULT.equals(sa.getMetadata().getName())) {
                    controller.enqueue(sa.getMetadata().getNamespace());
                }
            }
        });
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(namespaces, serviceAccounts), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String namespace) {
        Namespace ns = namespaces.getStore().getByKey(namespace);
        // as Kubernetes: nothing is created in a namespace that is gone or terminating
        if (ns == null || ns.getMetadata().getDeletionTimestamp() != null
                || ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase())) {
            return;
        }
        if (serviceAccounts.getStore().getByKey(namespace + "/" + DEFAULT) != null) {
            return;
        }
        try {
            client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName(DEFAULT).withNamespace(namespace).endMetadata().build()).create();
            log.debug("created service account {}/{}", namespace, DEFAULT);
        } catch (KubernetesClientException e) {
            // created meanwhile, or the namespace began terminating: both end the work
            if (e.getCode() == 409 || e.getCode() == 403 && String.valueOf(e.getMessage()).contains("terminated")) {
                return;
            }
            throw e;
        }
    }
}
