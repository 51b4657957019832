package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' DefaultTolerationSeconds: a new pod that does not tolerate the not-ready and unreachable NoExecute taints
 * tolerates them for {@code --default-not-ready-toleration-seconds} / {@code --default-unreachable-toleration-seconds},
 * so its node's loss evicts it after that time rather than at once.
 */
final class DefaultTolerationSeconds implements AdmissionPlugin {
    static final String NAME = "DefaultTolerationSeconds";

    private final long notReadySeconds;
    private final long unreachableSeconds;

    DefaultTolerationSeconds(long notReadySeconds, long unreachableSeconds) {
        this.notReadySeconds = notReadySeconds;
        this.unreachableSeconds = unreachableSeconds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean mutating() {
        return true;
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        if (r.operation() != Operation.CREATE || !r.isResource("", "pods") || !r.subresource().isEmpty()) {
            return DONE;
        }
        ObjectNode spec = r.object().with("spec");
        addToleration(spec, "node.kubernetes.io/not-ready", notReadySeconds);
        addToleration(spec, "node.kubernetes.io/unreachable", unreachableSeconds);
        return DONE;
    }

    private static void addToleration(ObjectNode spec, String key, long seconds) {
        ArrayNode tolerations = spec.has("tolerations") && spec.get("tolerations").isArray()
                ? (ArrayNode) spec.get("tolerations") : null;
        if (tolerations != null) {
            for (JsonNode t : tolerations) {
                String tkey = t.path("key").asText("");
                String effect = t.path("effect").asText("");
                boolean matchesAllKeys = tkey.isEmpty() && "Exists".equals(t.path("operator").asText());
                if ((tkey.equals(key) || matchesAllKeys) && (effect.isEmpty() || effect.equals("NoExecute"))) {
                    return;
                }
            }
        } else {
            tolerations = spec.putArray("tolerations");
        }
        ObjectNode t = tolerations.addObject();
        t.put("key", key);
        t.put("operator", "Exists");
        t.put("effect", "NoExecute");
        t.put("tolerationSeconds", seconds);
    }
}
