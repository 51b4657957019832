package dev.keelson.controllermanager.volume;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pv-protection controller: a volume being deleted keeps its {@code kubernetes.io/pv-protection}
 * finalizer while it is Bound to a claim; once it is not, the finalizer goes and the volume with it.
 */
public final class PvProtectionController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PvProtectionController.class);
    static final String FINALIZER = "kubernetes.io/pv-protection";

    private final KubernetesClient client;
    private final SharedIndexInformer<PersistentVolume> volumes;
    private final Controller controller;

    public PvProtectionController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.volumes = informers.persistentVolumes();
        this.controller = new Controller("pv-protection", this::sync, meters);
        volumes.addEventHandler(controller.handler());
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(volumes), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    private void sync(String key) {
        PersistentVolume volume = volumes.getStore().getByKey(key);
        if (volume == null || volume.getMetadata().getDeletionTimestamp() == null
                || volume.getMetadata().getFinalizers() == null
                || !volume.getMetadata().getFinalizers().contains(FINALIZER)) {
            return;
        }
        if (volume.getStatus() != null && "Bound".equals(volume.getStatus().getPhase())) {
            return;
        }
        PersistentVolume copy = client.getKubernetesSerialization().clone(volume);
        copy.getMetadata().getFinalizers().remove(FINALIZER);
        try {
            client.persistentVolumes().resource(copy).update();
            log.info("volume {} is not bound: removed {}", key, FINALIZER);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
