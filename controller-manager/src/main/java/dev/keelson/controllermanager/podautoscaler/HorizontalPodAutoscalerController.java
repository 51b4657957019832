package dev.keelson.controllermanager.podautoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Quantities;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' horizontal-pod-autoscaler controller (pkg/controller/podautoscaler/horizontal.go) for resource
 * metrics: every sync period each autoscaler reads its target's scale, proposes a replica count per metric from the
 * pods' usage ({@link ReplicaCalculator}), takes the largest, stabilizes and rate-limits it ({@link ScalingBehavior}),
 * writes the target's scale when it differs, and keeps status (current/desired replicas, current metrics, the
 * AbleToScale, ScalingActive and ScalingLimited conditions) and events (SuccessfulRescale, FailedGetResourceMetric
 * ...) as Kubernetes words them.
 */
public final class HorizontalPodAutoscalerController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HorizontalPodAutoscalerController.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * --horizontal-pod-autoscaler-sync-period (15 s); the system property {@code keelson.hpaSyncPeriodSeconds}
     * shortens it for end-to-end tests.
     */
    public static Duration defaultSyncPeriod() {
        return Duration.ofSeconds(Math.max(1, Long.getLong("keelson.hpaSyncPeriodSeconds", 15)));
    }

    private final Duration syncPeriod;

    private final KubernetesClient client;
    private final SharedIndexInformer<HorizontalPodAutoscaler> autoscalers;
    private final SharedIndexInformer<Pod> pods;
    private final Controller controller;
    private final EventRecorder events;
    private final ScaleTargets scales;
    private final ResourceMetricsSource metrics;
    private final ScalingBehavior behavior;
    private final Clock clock;

    /** @param metrics null reads the cluster's metrics.k8s.io */
    public HorizontalPodAutoscalerController(SharedInformers informers, MeterRegistry meters, Clock clock,
                                             ResourceMetricsSource metrics, Duration syncPeriod) {
        this.syncPeriod = syncPeriod;
        this.client = informers.client();
        this.autoscalers = informers.namespaced(HorizontalPodAutoscaler.class);
        this.pods = informers.pods();
        this.controller = new Controller("horizontalpodautoscaler", this::sync, meters);
        this.events = EventRecorder.builder("horizontal-pod-autoscaler").logEachEvent().build(client);
        this.scales = new ScaleTargets(client);
        this.metrics = metrics != null ? metrics : ResourceMetricsSource.metricsApi(client);
        this.behavior = new ScalingBehavior(clock);
        this.clock = clock;
        autoscalers.addEventHandler(controller.handler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(autoscalers, pods), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    void sync(String key) throws Exception {
        HorizontalPodAutoscaler hpa = autoscalers.getStore().getByKey(key);
        if (hpa == null) {
            behavior.forget(key);
            return;
        }
        controller.enqueueAfter(key, syncPeriod);
        ObjectNode obj = JSON.valueToTree(hpa);
        ObjectNode status = obj.get("status") instanceof ObjectNode s ? s.deepCopy() : JSON.createObjectNode();
        try {
            reconcile(key, hpa, obj, status);
        } finally {
            writeStatus(hpa, obj, status);
        }
    }

    private void reconcile(String key, HorizontalPodAutoscaler hpa, ObjectNode obj, ObjectNode status) throws Exception {
        String ns = hpa.getMetadata().getNamespace();
        JsonNode spec = obj.path("spec");
        CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
        String reference = ref.getKind() + "/" + ref.getName();
        ObjectNode scale;
        String path;
        try {
            path = scales.path(ns, ref);
            scale = scales.get(path, ref);
        } catch (ScaleTargets.ScaleException e) {
            events.warning(hpa, "FailedGetScale", e.getMessage());
            condition(status, "AbleToScale", "False", "FailedGetScale",
                    "the HPA controller was unable to get the target's current scale: " + e.getMessage());
            return;
        }
        condition(status, "AbleToScale", "True", "SucceededGetScale",
                "the HPA controller was able to get the target's current scale");
        int currentReplicas = scale.path("status").path("replicas").asInt(0);
        int specReplicas = scale.path("spec").path("replicas").asInt(0);
        int min = spec.path("minReplicas").asInt(1);
        int max = spec.path("maxReplicas").asInt(1);
        int desired = 0;
        String reason = "";
        boolean rescale;
        ArrayNode currentMetrics = null;
        if (specReplicas == 0 && min != 0) {
            condition(status, "ScalingActive", "False", "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero");
            rescale = false;
        } else if (currentReplicas > max) {
            reason = "Current number of replicas above Spec.MaxReplicas";
            desired = max;
            rescale = true;
        } else if (currentReplicas < min) {
            reason = "Current number of replicas below Spec.MinReplicas";
            desired = min;
            rescale = true;
        } else {
            Proposal p = proposeForMetrics(hpa, spec, scale, specReplicas, status);
            currentMetrics = p.statuses;
            if (p.replicas < 0) {
                status.put("currentReplicas", currentReplicas);
                status.set("currentMetrics", p.statuses);
                events.warning(hpa, "FailedComputeMetricsReplicas", p.error);
                return;
            }
            desired = Math.max(desired, p.replicas);
            String metric = p.replicas > 0 ? p.metricName : "";
            if (desired > currentReplicas) {
                reason = metric + " above target";
            }
            if (desired < currentReplicas) {
                reason = "All metrics below target";
            }
            ScalingBehavior.Outcome outcome;
            JsonNode b = spec.path("behavior");
            if (b.isObject()) {
                outcome = behavior.normalize(key, currentReplicas, desired, min, max, rules(b.path("scaleUp")),
                        rules(b.path("scaleDown")));
            } else {
                outcome = behavior.normalize(key, currentReplicas, desired, min, max);
            }
            outcome.conditions().forEach(c -> condition(status, c.type(), c.status(), c.reason(), c.message()));
            desired = outcome.replicas();
            rescale = desired != currentReplicas;
        }
        if (rescale) {
            try {
                scales.update(path, scale, desired);
            } catch (ScaleTargets.ScaleException e) {
                condition(status, "AbleToScale", "False", "FailedUpdateScale",
                        "the HPA controller was unable to update the target scale: " + e.getMessage());
                events.warning(hpa, "FailedRescale", "New size: " + desired + "; reason: " + reason + "; error: "
                        + e.getMessage());
                setStatus(status, currentReplicas, currentReplicas, currentMetrics, false);
                return;
            }
            condition(status, "AbleToScale", "True", "SucceededRescale",
                    "the HPA controller was able to update the target scale to " + desired);
            events.normal(hpa, "SuccessfulRescale", "New size: " + desired + "; reason: " + reason);
            JsonNode b = spec.path("behavior");
            if (b.isObject()) {
                behavior.scaled(key, currentReplicas, desired, rules(b.path("scaleUp")), rules(b.path("scaleDown")));
            }
            log.info("autoscaler {}: {} scaled from {} to {}: {}", key, reference, currentReplicas, desired, reason);
        } else {
            desired = currentReplicas;
        }
        setStatus(status, currentReplicas, desired, currentMetrics, rescale);
    }

    private void setStatus(ObjectNode status, int current, int desired, ArrayNode currentMetrics, boolean rescaled) {
        status.put("currentReplicas", current);
        status.put("desiredReplicas", desired);
        if (currentMetrics != null && !currentMetrics.isEmpty()) {
            status.set("currentMetrics", currentMetrics);
        } else {
            status.remove("currentMetrics");
        }
        if (rescaled) {
            status.put("lastScaleTime", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }

    private record Proposal(int replicas, String metricName, ArrayNode statuses, String error) {}

    /** computeReplicasForMetrics: the largest proposal; -1 with the error when no metric (or too few) could be read. */
    private Proposal proposeForMetrics(HorizontalPodAutoscaler hpa, JsonNode spec, ObjectNode scale, int specReplicas,
                                       ObjectNode status) {
        ArrayNode statuses = JSON.createArrayNode();
        String selector = ScaleTargets.selector(scale);
        if (selector.isEmpty()) {
            events.warning(hpa, "SelectorRequired", "selector is required");
            condition(status, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector");
            return new Proposal(-1, "", statuses, "selector is required");
        }
        LabelSelector labels;
        try {
            labels = LabelSelector.parse(selector);
        } catch (RuntimeException e) {
            String message = "couldn't convert selector into a corresponding internal selector object: " + e.getMessage();
            events.warning(hpa, "InvalidSelector", message);
            condition(status, "ScalingActive", "False", "InvalidSelector", message);
            return new Proposal(-1, "", statuses, message);
        }
        String ns = hpa.getMetadata().getNamespace();
        List<ReplicaCalculator.PodInfo> targeted = new ArrayList<>();
        for (Pod p : pods.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, ns)) {
            if (labels.matches(p.getMetadata().getLabels() == null ? java.util.Map.of() : p.getMetadata().getLabels())) {
                targeted.add(PodInfos.of(p, null));
            }
        }
        int replicas = 0;
        String metricName = "";
        int invalid = 0;
        String firstError = null;
        String[] invalidCondition = null;
        JsonNode specs = spec.path("metrics");
        for (JsonNode m : specs) {
            String type = m.path("type").asText();
            if (!"Resource".equals(type)) {
                String reason = "FailedGet" + type + "Metric";
                String message = "unable to get metric for " + type + " metrics: only Resource metrics are served by this"
                        + " cluster (no custom or external metrics API is registered)";
                events.warning(hpa, reason, message);
                if (invalid++ == 0) {
                    firstError = message;
                    invalidCondition = new String[] {reason, "the HPA was unable to compute the replica count: " + message};
                }
                continue;
            }
            String resource = m.path("resource").path("name").asText();
            JsonNode target = m.path("resource").path("target");
            List<ReplicaCalculator.PodInfo> forResource = new ArrayList<>();
            for (ReplicaCalculator.PodInfo p : targeted) {
                Pod pod = pods.getIndexer().getByKey(ns + "/" + p.name());
                forResource.add(pod == null ? p : PodInfos.of(pod, resource));
            }
            boolean utilization = target.path("averageUtilization").isIntegralNumber()
                    || !target.hasNonNull("averageValue");
            String error;
            try {
                java.util.Map<String, ReplicaCalculator.PodMetric> usage = metrics.podMetrics(ns, selector, resource);
                ReplicaCalculator.Result r;
                String name;
                ObjectNode current = JSON.createObjectNode();
                if (utilization) {
                    int targetUtilization = target.path("averageUtilization").asInt(80);
                    r = ReplicaCalculator.utilizationReplicas(specReplicas, targetUtilization, resource, forResource,
                            usage, clock.instant());
                    current.put("averageUtilization", r.utilization()).put("averageValue", milliQuantity(r.rawAverageMilli()));
                    name = resource + " resource utilization (percentage of request)";
                } else {
                    long targetMilli = Quantities.parse(target.path("averageValue").asText())
                            .movePointRight(3).longValue();
                    r = ReplicaCalculator.averageValueReplicas(specReplicas, targetMilli, resource, forResource, usage,
                            clock.instant());
                    current.put("averageValue", milliQuantity(r.rawAverageMilli()));
                    name = resource + " resource";
                }
                ObjectNode rs = statuses.addObject().put("type", "Resource").putObject("resource").put("name", resource);
                rs.set("current", current);
                if (r.replicas() > replicas) {
                    replicas = r.replicas();
                    metricName = name;
                }
                continue;
            } catch (ReplicaCalculator.CalculationException e) {
                error = "failed to get " + resource + (utilization ? " utilization: " : " usage: ") + e.getMessage();
            }
            events.warning(hpa, "FailedGetResourceMetric", error);
            if (invalid++ == 0) {
                firstError = "failed to get " + resource + " resource metric value: " + error;
                invalidCondition = new String[] {"FailedGetResourceMetric",
                        "the HPA was unable to compute the replica count: " + error};
            }
        }
        if (invalid >= specs.size() || invalid > 0 && replicas < specReplicas) {
            condition(status, "ScalingActive", "False", invalidCondition[0], invalidCondition[1]);
            return new Proposal(-1, "", statuses, "invalid metrics (" + invalid + " invalid out of " + specs.size()
                    + "), first error is: " + firstError);
        }
        condition(status, "ScalingActive", "True", "ValidMetricFound",
                "the HPA was able to successfully calculate a replica count from " + metricName);
        return new Proposal(replicas, metricName, statuses, null);
    }

    /** A milli-unit amount as Kubernetes' resource.NewMilliQuantity(v, DecimalSI) prints it. */
    static String milliQuantity(long milli) {
        if (milli % 1000 == 0) {
            return Long.toString(milli / 1000);
        }
        return milli + "m";
    }

    private static ScalingBehavior.Rules rules(JsonNode r) {
        List<ScalingBehavior.Policy> policies = new ArrayList<>();
        for (JsonNode p : r.path("policies")) {
            policies.add(new ScalingBehavior.Policy(p.path("type").asText(), p.path("value").asInt(),
                    p.path("periodSeconds").asInt()));
        }
        return new ScalingBehavior.Rules(r.path("stabilizationWindowSeconds").asInt(0),
                r.path("selectPolicy").asText("Max"), policies);
    }

    /** setCondition: a condition's transition time changes only when its status does. */
    static void condition(ObjectNode status, String type, String value, String reason, String message) {
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        ObjectNode existing = null;
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText())) {
                existing = (ObjectNode) c;
            }
        }
        if (existing == null) {
            existing = conditions.addObject().put("type", type);
        }
        if (!value.equals(existing.path("status").asText()) || !existing.has("lastTransitionTime")) {
            existing.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        existing.put("status", value).put("reason", reason).put("message", message);
    }

    private void writeStatus(HorizontalPodAutoscaler hpa, ObjectNode obj, ObjectNode status) {
        if (hpa.getMetadata().getGeneration() != null) {
            status.put("observedGeneration", hpa.getMetadata().getGeneration());
        }
        if (!status.has("desiredReplicas")) {
            status.put("desiredReplicas", 0);
        }
        if (status.equals(obj.get("status"))) {
            return;
        }
        obj.set("status", status);
        String master = client.getConfiguration().getMasterUrl().replaceAll("/$", "");
        try {
            client.raw(master + "/apis/autoscaling/v2/namespaces/" + hpa.getMetadata().getNamespace()
                    + "/horizontalpodautoscalers/" + hpa.getMetadata().getName() + "/status", "PUT", obj);
        } catch (KubernetesClientException e) {
            // a conflict or a deleted autoscaler: the next sync (its informer's update, or the period) writes again
            log.debug("autoscaler {}/{}: status not written: {}", hpa.getMetadata().getNamespace(),
                    hpa.getMetadata().getName(), e.getMessage());
        }
    }
}
