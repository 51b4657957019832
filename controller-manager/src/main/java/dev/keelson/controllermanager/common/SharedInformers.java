package dev.keelson.controllermanager.common;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One informer per resource kind for the whole controller-manager, so that controllers sharing a kind share
 * one list+watch and one cache. Informers are created on first request and started by the controllers that
 * use them; every cache carries an index by owner UID.
 */
public final class SharedInformers implements AutoCloseable {
    /** Index name: the UIDs of an object's ownerReferences. */
    public static final String BY_OWNER = "byOwnerUid";
    /** Index name: the object's namespace. */
    public static final String BY_NAMESPACE = Cache.NAMESPACE_INDEX;
    /** Index name (pods only): spec.nodeName. */
    public static final String BY_NODE = "byNodeName";
    /** Index name: the object's own UID. */
    public static final String BY_UID = "byUid";

    private static final long RESYNC_MILLIS = 0;

    private final KubernetesClient client;
    private final Map<Class<?>, SharedIndexInformer<?>> informers = new HashMap<>();

    public SharedInformers(KubernetesClient client) {
        this.client = client;
    }

    public KubernetesClient client() {
        return client;
    }

    public SharedIndexInformer<Pod> pods() {
        return get(Pod.class, () -> {
            SharedIndexInformer<Pod> informer = client.pods().inAnyNamespace().runnableInformer(RESYNC_MILLIS);
            Map<String, Function<Pod, List<String>>> byNode = new HashMap<>();
            byNode.put(BY_NODE, p -> p.getSpec() == null || p.getSpec().getNodeName() == null
                    ? List.of() : List.of(p.getSpec().getNodeName()));
            informer.addIndexers(byNode);
            return informer;
        });
    }

    public SharedIndexInformer<ReplicaSet> replicaSets() {
        return get(ReplicaSet.class, () -> client.apps().replicaSets().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Deployment> deployments() {
        return get(Deployment.class, () -> client.apps().deployments().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<ControllerRevision> controllerRevisions() {
        return get(ControllerRevision.class,
                () -> client.apps().controllerRevisions().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<ReplicationController> replicationControllers() {
        return get(ReplicationController.class,
                () -> client.replicationControllers().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Job> jobs() {
        return get(Job.class, () -> client.batch().v1().jobs().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<CronJob> cronJobs() {
        return get(CronJob.class, () -> client.batch().v1().cronjobs().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Node> nodes() {
        return get(Node.class, () -> client.nodes().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Namespace> namespaces() {
        return get(Namespace.class, () -> client.namespaces().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Service> services() {
        return get(Service.class, () -> client.services().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Endpoints> endpoints() {
        return get(Endpoints.class, () -> client.endpoints().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<EndpointSlice> endpointSlices() {
        return get(EndpointSlice.class,
                () -> client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<Lease> nodeLeases() {
        return get(Lease.class, () -> client.leases().inNamespace("kube-node-lease").runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<CertificateSigningRequest> certificateSigningRequests() {
        return get(CertificateSigningRequest.class,
                () -> client.certificates().v1().certificateSigningRequests().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<PersistentVolume> persistentVolumes() {
        return get(PersistentVolume.class, () -> client.persistentVolumes().runnableInformer(RESYNC_MILLIS));
    }

    public SharedIndexInformer<StorageClass> storageClasses() {
        return get(StorageClass.class, () -> client.storage().v1().storageClasses().runnableInformer(RESYNC_MILLIS));
    }

    /** An informer over any namespaced kind the fabric8 model knows (ConfigMap, Secret ...). */
    public <T extends HasMetadata> SharedIndexInformer<T> namespaced(Class<T> type) {
        return get(type, () -> client.resources(type).inAnyNamespace().runnableInformer(RESYNC_MILLIS));
    }

    /** An informer over any cluster-scoped kind the fabric8 model knows (ClusterRole ...). */
    public <T extends HasMetadata> SharedIndexInformer<T> clusterScoped(Class<T> type) {
        return get(type, () -> client.resources(type).runnableInformer(RESYNC_MILLIS));
    }

    @SuppressWarnings("unchecked")
    private synchronized <T extends HasMetadata> SharedIndexInformer<T> get(Class<T> type,
                                                                          Supplier<SharedIndexInformer<T>> create) {
        return (SharedIndexInformer<T>) informers.computeIfAbsent(type, t -> {
            SharedIndexInformer<T> informer = create.get();
            Map<String, Function<T, List<String>>> indexers = new HashMap<>();
            indexers.put(BY_OWNER, SharedInformers::ownerUids);
            indexers.put(BY_UID, o -> List.of(String.valueOf(o.getMetadata().getUid())));
            informer.addIndexers(indexers);
            return informer;
        });
    }

    private static List<String> ownerUids(HasMetadata obj) {
        List<String> uids = new ArrayList<>();
        if (obj.getMetadata().getOwnerReferences() != null) {
            obj.getMetadata().getOwnerReferences().forEach(r -> uids.add(r.getUid()));
        }
        return uids;
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(SharedIndexInformer::stop);
        informers.clear();
    }
}
