package dev.keelson.controllermanager.common;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about objects (ScalingReplicaSet, SuccessfulCreate, NodeNotReady ...) so that
 * {@code kubectl describe} shows what a controller did. Writes happen on a background thread: an event is
 * informational and must never slow down or fail a sync.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final String component;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "event-recorder");
        t.setDaemon(true);
        return t;
    });

    public EventRecorder(KubernetesClient client, String component) {
        this.client = client;
        this.component = component;
    }

    public void normal(HasMetadata about, String reason, String message) {
        record(about, "Normal", reason, message);
    }

    public void warning(HasMetadata about, String reason, String message) {
        record(about, "Warning", reason, message);
    }

    private void record(HasMetadata about, String type, String reason, String message) {
        String namespace = about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
        String now = Times.now();
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(about.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                .withNamespace(namespace)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(about.getApiVersion())
                .withKind(about.getKind())
                .withName(about.getMetadata().getName())
                .withNamespace(about.getMetadata().getNamespace())
                .withUid(about.getMetadata().getUid())
                .withResourceVersion(about.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
        log.info("{} {}/{}: {} {}", about.getKind(), namespace, about.getMetadata().getName(), reason, message);
        writer.execute(() -> {
            try {
                client.v1().events().inNamespace(namespace).resource(event).create();
            } catch (RuntimeException e) {
                log.debug("cannot record event {} on {}: {}", reason, about.getMetadata().getName(), e.toString());
            }
        });
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
