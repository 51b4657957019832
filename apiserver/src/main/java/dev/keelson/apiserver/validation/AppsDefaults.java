package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** apps/v1 defaults.go for DaemonSets and StatefulSets (SetDefaults_DaemonSet, SetDefaults_StatefulSet). */
public final class AppsDefaults {
    private AppsDefaults() {
    }

    /** RollingUpdate with maxUnavailable 1 and maxSurge 0, ten revisions kept, the template's pod defaults. */
    public static void daemonSet(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        ObjectNode strategy = ObjectNodes.ensure(spec, "updateStrategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if ("RollingUpdate".equals(ObjectNodes.text(strategy, "type"))) {
            ObjectNode rolling = ObjectNodes.ensure(strategy, "rollingUpdate");
            if (absent(rolling.get("maxUnavailable"))) {
                rolling.put("maxUnavailable", 1);
            }
            if (absent(rolling.get("maxSurge"))) {
                rolling.put("maxSurge", 0);
            }
        }
        if (absent(spec.get("revisionHistoryLimit"))) {
            spec.put("revisionHistoryLimit", 10);
        }
        Defaults.podSpec(ObjectNodes.ensure(ObjectNodes.ensure(spec, "template"), "spec"));
    }

    /**
     * OrderedReady, RollingUpdate with partition 0 (maxUnavailable stays unset: MaxUnavailableStatefulSet is off by
     * default in 1.32), claims retained on delete and scale-down, one replica, ten revisions; each volume claim
     * template is defaulted as a PersistentVolumeClaim (volumeMode Filesystem, status phase Pending).
     */
    public static void statefulSet(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        putIfAbsent(spec, "podManagementPolicy", "OrderedReady");
        ObjectNode strategy = ObjectNodes.ensure(spec, "updateStrategy");
        if (ObjectNodes.text(strategy, "type").isEmpty()) {
            strategy.put("type", "RollingUpdate");
            ObjectNodes.ensure(strategy, "rollingUpdate");
        }
        ObjectNode rolling = ObjectNodes.child(strategy, "rollingUpdate");
        if ("RollingUpdate".equals(ObjectNodes.text(strategy, "type")) && rolling != null
                && absent(rolling.get("partition"))) {
            rolling.put("partition", 0);
        }
        ObjectNode retention = ObjectNodes.ensure(spec, "persistentVolumeClaimRetentionPolicy");
        putIfAbsent(retention, "whenDeleted", "Retain");
        putIfAbsent(retention, "whenScaled", "Retain");
        if (absent(spec.get("replicas"))) {
            spec.put("replicas", 1);
        }
        if (absent(spec.get("revisionHistoryLimit"))) {
            spec.put("revisionHistoryLimit", 10);
        }
        Defaults.podSpec(ObjectNodes.ensure(ObjectNodes.ensure(spec, "template"), "spec"));
        JsonNode claims = spec.get("volumeClaimTemplates");
        if (claims != null && claims.isArray()) {
            for (JsonNode claim : claims) {
                if (claim instanceof ObjectNode c) {
                    putIfAbsent(c, "apiVersion", "v1");
                    putIfAbsent(c, "kind", "PersistentVolumeClaim");
                    putIfAbsent(ObjectNodes.ensure(c, "spec"), "volumeMode", "Filesystem");
                    putIfAbsent(ObjectNodes.ensure(c, "status"), "phase", "Pending");
                }
            }
        }
    }

    private static boolean absent(JsonNode n) {
        return n == null || n.isNull();
    }

    private static void putIfAbsent(ObjectNode o, String field, String value) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull() || (n.isTextual() && n.textValue().isEmpty())) {
            o.put(field, value);
        }
    }
}
