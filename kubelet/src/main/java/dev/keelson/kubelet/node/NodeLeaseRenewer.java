package dev.keelson.kubelet.node;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps the node's Lease in kube-node-lease fresh (every 10 s): the cheap heartbeat the node controller watches. */
public final class NodeLeaseRenewer {
    private static final Logger log = LoggerFactory.getLogger(NodeLeaseRenewer.class);
    public static final String NAMESPACE = "kube-node-lease";

    private final KubernetesClient client;
    private final String nodeName;

    public NodeLeaseRenewer(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    public void renew(Node node) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        try {
            Lease existing = client.leases().inNamespace(NAMESPACE).withName(nodeName).get();
            if (existing == null) {
                create(node, now);
                return;
            }
            client.leases().inNamespace(NAMESPACE).withName(nodeName).edit(l -> new LeaseBuilder(l)
                    .editSpec().withHolderIdentity(nodeName).withRenewTime(now).withLeaseDurationSeconds(40).endSpec()
                    .build());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                // create() makes the namespace itself if that is what is missing
                create(node, now);
                return;
            }
            log.warn("cannot renew lease of node {}: {}", nodeName, e.getMessage());
        }
    }

    private void create(Node node, ZonedDateTime now) {
        LeaseBuilder b = new LeaseBuilder().withNewMetadata().withName(nodeName).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(40).withRenewTime(now).endSpec();
        if (node != null && node.getMetadata().getUid() != null) {
            b.editMetadata().withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                    .withName(nodeName).withUid(node.getMetadata().getUid()).build()).endMetadata();
        }
        try {
            client.leases().inNamespace(NAMESPACE).resource(b.build()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                ensureNamespace();
                client.leases().inNamespace(NAMESPACE).resource(b.build()).create();
            } else if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void ensureNamespace() {
        try {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                    .create();
        } catch (KubernetesClientException e) {
            // 403: a node identity may not create namespaces (Node authorization); the apiserver creates this one
            if (e.getCode() != 409 && e.getCode() != 403) {
                throw e;
            }
        }
    }
}
