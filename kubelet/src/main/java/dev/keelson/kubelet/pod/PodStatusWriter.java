package dev.keelson.kubelet.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Writes a pod's computed status to the API when it changed, and records the pod's start latency at its first Ready. */
final class PodStatusWriter {
    private final KubernetesClient client;
    private final MeterRegistry metrics;
    private final PodStartTraces traces;
    private final Map<String, JsonNode> lastWritten = new ConcurrentHashMap<>();
    private final Set<String> startRecorded = ConcurrentHashMap.newKeySet();

    PodStatusWriter(KubernetesClient client, MeterRegistry metrics, PodStartTraces traces) {
        this.client = client;
        this.metrics = metrics;
        this.traces = traces;
    }

    void write(Pod pod, PodStatus status) {
        recordStartLatency(pod, status);
        writeStatus(pod, status);
    }

    void forget(String uid) {
        lastWritten.remove(uid);
        startRecorded.remove(uid);
    }

    private void recordStartLatency(Pod pod, PodStatus status) {
        boolean ready = PodStatusCalculator.isReady(status);
        String created = pod.getMetadata().getCreationTimestamp();
        if (ready && created != null && startRecorded.add(pod.getMetadata().getUid())) {
            Duration latency = Duration.between(Instant.parse(created), Instant.now());
            if (!latency.isNegative() && latency.compareTo(Duration.ofMinutes(10)) < 0) {
                Timer.builder("kubelet_pod_start_duration_seconds")
                        .description("from pod creation to the pod's first Ready, as this kubelet saw it")
                        .publishPercentileHistogram().register(metrics).record(latency);
            }
        }
    }

    /** Writes the status through the status subresource, only when it differs from what the API and we last had. */
    private void writeStatus(Pod pod, PodStatus status) {
        String uid = pod.getMetadata().getUid();
        JsonNode wanted = Serialization.jsonMapper().valueToTree(status);
        JsonNode current = pod.getStatus() == null ? null : Serialization.jsonMapper().valueToTree(pod.getStatus());
        if (wanted.equals(current) || wanted.equals(lastWritten.get(uid))) {
            if (PodStatusCalculator.isReady(status)) {
                traces.finish(uid);
            }
            return;
        }
        String body = "{\"status\":" + wanted + "}";
        try {
            traces.time(uid, "status_write", () -> client.pods().inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), body));
            lastWritten.put(uid, wanted);
            if (PodStatusCalculator.isReady(status)) {
                traces.finish(uid);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            throw e;
        }
    }
}
