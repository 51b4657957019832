package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.PodValidation;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Set;

/**
 * Pods: graceful deletion, a Pending status on create, node/phase field selectors (the default NoExecute tolerations
 * are the DefaultTolerationSeconds admission plugin's).
 */
public final class PodStrategy extends Strategy {
    public PodStrategy() {
        super(Registration.namespaced("v1", "Pod", "pods", Pod.class).shortNames("po").categories("all")
                .subresources("status", "binding", "eviction", "log", "exec"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.pod(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        PodValidation.pod(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        PodValidation.podUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.PODS;
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.put("phase", "Pending");
        status.put("qosClass", qosClass(obj.path("spec")));
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        super.prepareForCreate(obj);
        ObjectNode spec = obj.with("spec");
        if (!spec.has("serviceAccountName")) {
            spec.put("serviceAccountName", "default");
            spec.put("serviceAccount", "default");
        }
        if (spec.hasNonNull("nodeName") && !spec.get("nodeName").asText().isEmpty()) {
            // created already bound: it is scheduled, as the scheduler's binding would have said
            ObjectNode cond = ((ObjectNode) obj.get("status")).putArray("conditions").addObject();
            cond.put("type", "PodScheduled");
            cond.put("status", "True");
            cond.putNull("lastProbeTime");
            cond.put("lastTransitionTime", Json.now());
        }
    }

    static String qosClass(JsonNode spec) {
        boolean anyRequestOrLimit = false;
        boolean guaranteed = true;
        for (String list : new String[] {"containers", "initContainers"}) {
            for (JsonNode c : spec.path(list)) {
                JsonNode req = c.path("resources").path("requests");
                JsonNode lim = c.path("resources").path("limits");
                if (req.size() > 0 || lim.size() > 0) {
                    anyRequestOrLimit = true;
                }
                for (String r : new String[] {"cpu", "memory"}) {
                    JsonNode l = lim.get(r);
                    JsonNode q = req.get(r);
                    if (l == null || (q != null && !q.asText().equals(l.asText()))) {
                        guaranteed = false;
                    }
                }
            }
        }
        if (!anyRequestOrLimit) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
                "status.nominatedNodeName");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        JsonNode spec = obj.path("spec");
        JsonNode status = obj.path("status");
        f.put("spec.nodeName", spec.path("nodeName").asText(""));
        f.put("spec.restartPolicy", spec.path("restartPolicy").asText(""));
        f.put("spec.schedulerName", spec.path("schedulerName").asText(""));
        f.put("spec.serviceAccountName", spec.path("serviceAccountName").asText(""));
        f.put("spec.hostNetwork", Boolean.toString(spec.path("hostNetwork").asBoolean(false)));
        f.put("status.phase", status.path("phase").asText(""));
        f.put("status.podIP", status.path("podIP").asText(""));
        f.put("status.nominatedNodeName", status.path("nominatedNodeName").asText(""));
        return f;
    }

    @Override
    public long defaultGracePeriodSeconds(ObjectNode obj) {
        String node = obj.path("spec").path("nodeName").asText("");
        String phase = obj.path("status").path("phase").asText("");
        if (node.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            return 0;
        }
        return obj.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    }

    @Override
    public boolean returnsDeletedObject() {
        return true;
    }
}
