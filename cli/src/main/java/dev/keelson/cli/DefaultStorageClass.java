package dev.keelson.cli;

import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The default StorageClass {@value #NAME} a server creates at start when it does not exist (as k3s ships its
 * local-path class): Keelson's node-local provisioner, WaitForFirstConsumer (the directory is made on the node the
 * pod is scheduled to), reclaim policy Delete. A class the user changed or deleted-and-recreated is left alone.
 */
final class DefaultStorageClass {
    static final String NAME = "local-path";
    static final String PROVISIONER = "keelson.dev/local-path";

    private DefaultStorageClass() {
    }

    static void ensure(KubernetesClient client) {
        if (client.storage().v1().storageClasses().withName(NAME).get() != null) {
            return;
        }
        try {
            client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(NAME)
                    .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true").endMetadata()
                    .withProvisioner(PROVISIONER).withReclaimPolicy("Delete")
                    .withVolumeBindingMode("WaitForFirstConsumer").build()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
