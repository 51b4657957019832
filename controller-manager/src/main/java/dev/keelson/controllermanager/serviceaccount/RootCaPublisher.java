package dev.keelson.controllermanager.serviceaccount;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes' root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher): the ConfigMap
 * {@code kube-root-ca.crt} in every namespace holds the CA bundle that verifies the apiserver ({@code ca.crt}), so the
 * projected service-account volume can put it beside the token. Recreated when deleted, put back when changed. The
 * key is the namespace's name.
 */
public final class RootCaPublisher implements AutoCloseable {
    public static final String NAME = "kube-root-ca.crt";
    static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
    static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using "
            + "internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
            + "guaranteed across distributions of Kubernetes clusters.";

    private final KubernetesClient client;
    private final SharedIndexInformer<Namespace> namespaces;
    private final SharedIndexInformer<ConfigMap> configMaps;
    private final Controller controller;
    private final String rootCa;

    /** {@code rootCa} is the PEM bundle to publish. */
    public RootCaPublisher(SharedInformers informers, String rootCa, MeterRegistry meters) {
        this.client = informers.client();
        this.rootCa = Objects.requireNonNull(rootCa);
        this.namespaces = informers.namespaces();
        this.configMaps = informers.namespaced(ConfigMap.class);
        this.controller = new Controller("root-ca-cert-publisher", this::sync, meters);
        namespaces.addEventHandler(controller.handler(ns -> ns.getMetadata().getName()));
        configMaps.addEventHandler(controller.handler(
                cm -> NAME.equals(cm.getMetadata().getName()) ? cm.getMetadata().getNamespace() : null));
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(namespaces, configMaps), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String namespace) {
        Namespace ns = namespaces.getStore().getByKey(namespace);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        Map<String, String> data = Map.of("ca.crt", rootCa);
        ConfigMap cm = configMaps.getStore().getByKey(namespace + "/" + NAME);
        try {
            if (cm == null) {
                client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
                        .withName(NAME).withNamespace(namespace).addToAnnotations(DESCRIPTION_ANNOTATION, DESCRIPTION)
                        .endMetadata().withData(data).build()).create();
                return;
            }
            Map<String, String> annotations = cm.getMetadata().getAnnotations();
            String description = annotations == null ? null : annotations.get(DESCRIPTION_ANNOTATION);
            if (data.equals(cm.getData()) && description != null && !description.isEmpty()) {
                return;
            }
            ConfigMap fixed = new ConfigMapBuilder(cm).withData(new HashMap<>(data)).build();
            Map<String, String> a = new HashMap<>(annotations == null ? Map.of() : annotations);
            a.put(DESCRIPTION_ANNOTATION, DESCRIPTION);
            fixed.getMetadata().setAnnotations(a);
            client.configMaps().inNamespace(namespace).resource(fixed).update();
        } catch (KubernetesClientException e) {
            // 404 on update: deleted meanwhile, its delete event requeues; 403: the namespace is terminating
            if (e.getCode() == 404 || e.getCode() == 409 && cm == null
                    || e.getCode() == 403 && String.valueOf(e.getMessage()).contains("terminated")) {
                return;
            }
            throw e;
        }
    }
}
