package dev.keelson.controllermanager.replicaset;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;

/**
 * The objects a ReplicaSetController keeps at their replica count, seen as ReplicaSets. ReplicationControllers are
 * converted to ReplicaSets (their label-map selector as matchLabels) and back, as Kubernetes' replication controller
 * wraps the replicaset controller; the converted view keeps the real apiVersion and kind, so owner references and
 * events name the ReplicationController.
 */
interface ReplicaSource {
    String kind();

    SharedIndexInformer<? extends HasMetadata> informer();

    /** The cached object of {@code key} as a ReplicaSet, or null. */
    ReplicaSet get(String key);

    List<ReplicaSet> inNamespace(String namespace);

    /** The object as the apiserver has it now, for the re-check before adoption. */
    HasMetadata live(ReplicaSet rs);

    void updateStatus(ReplicaSet rs, ReplicaSetStatus status);

    static ReplicaSource replicaSets(KubernetesClient client, SharedIndexInformer<ReplicaSet> informer) {
        return new ReplicaSource() {
            @Override
            public String kind() {
                return "ReplicaSet";
            }

            @Override
            public SharedIndexInformer<? extends HasMetadata> informer() {
                return informer;
            }

            @Override
            public ReplicaSet get(String key) {
                return informer.getStore().getByKey(key);
            }

            @Override
            public List<ReplicaSet> inNamespace(String namespace) {
                return informer.getIndexer().byIndex(dev.keelson.controllermanager.common.SharedInformers.BY_NAMESPACE,
                        namespace);
            }

            @Override
            public HasMetadata live(ReplicaSet rs) {
                return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace())
                        .withName(rs.getMetadata().getName()).get();
            }

            @Override
            public void updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
                ReplicaSet copy = client.getKubernetesSerialization().clone(rs);
                copy.setStatus(status);
                client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(copy).updateStatus();
            }
        };
    }

    static ReplicaSource replicationControllers(KubernetesClient client,
                                                SharedIndexInformer<ReplicationController> informer) {
        return new ReplicaSource() {
            @Override
            public String kind() {
                return "ReplicationController";
            }

            @Override
            public SharedIndexInformer<? extends HasMetadata> informer() {
                return informer;
            }

            @Override
            public ReplicaSet get(String key) {
                ReplicationController rc = informer.getStore().getByKey(key);
                return rc == null ? null : asReplicaSet(client, rc);
            }

            @Override
            public List<ReplicaSet> inNamespace(String namespace) {
                return informer.getIndexer().byIndex(dev.keelson.controllermanager.common.SharedInformers.BY_NAMESPACE,
                        namespace).stream().map(rc -> asReplicaSet(client, rc)).toList();
            }

            @Override
            public HasMetadata live(ReplicaSet rs) {
                return client.replicationControllers().inNamespace(rs.getMetadata().getNamespace())
                        .withName(rs.getMetadata().getName()).get();
            }

            @Override
            public void updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
                ReplicationController rc = informer.getStore().getByKey(
                        rs.getMetadata().getNamespace() + "/" + rs.getMetadata().getName());
                if (rc == null || !rc.getMetadata().getUid().equals(rs.getMetadata().getUid())) {
                    return;
                }
                ReplicationController copy = client.getKubernetesSerialization().clone(rc);
                // the status fields have the same names and meaning
                ObjectNode json = client.getKubernetesSerialization().convertValue(status, ObjectNode.class);
                copy.setStatus(client.getKubernetesSerialization().convertValue(json, ReplicationControllerStatus.class));
                client.replicationControllers().inNamespace(rc.getMetadata().getNamespace()).resource(copy).updateStatus();
            }
        };
    }

    /** The ReplicationController as a ReplicaSet: same metadata, template and counts, the map selector as matchLabels. */
    static ReplicaSet asReplicaSet(KubernetesClient client, ReplicationController rc) {
        ReplicaSet rs = new ReplicaSet();
        rs.setApiVersion("v1");
        rs.setKind("ReplicationController");
        rs.setMetadata(client.getKubernetesSerialization().clone(rc.getMetadata()));
        ReplicaSetSpec spec = new ReplicaSetSpec();
        spec.setReplicas(rc.getSpec().getReplicas());
        spec.setMinReadySeconds(rc.getSpec().getMinReadySeconds());
        spec.setTemplate(rc.getSpec().getTemplate());
        LabelSelector selector = new LabelSelector();
        selector.setMatchLabels(rc.getSpec().getSelector());
        spec.setSelector(selector);
        rs.setSpec(spec);
        if (rc.getStatus() != null) {
            ObjectNode json = client.getKubernetesSerialization().convertValue(rc.getStatus(), ObjectNode.class);
            rs.setStatus(client.getKubernetesSerialization().convertValue(json, ReplicaSetStatus.class));
        }
        return rs;
    }
}
