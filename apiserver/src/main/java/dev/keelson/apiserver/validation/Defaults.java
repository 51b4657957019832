package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Fills in the fields Kubernetes defaults (core/v1 and apps/v1 defaults.go, plus what the pod priority admission and the
 * namespace and service strategies set), in place, one method per kind that its strategy calls. Idempotent: applying
 * twice changes nothing the second time.
 */
public final class Defaults {

    private static final List<String> VOLUME_SOURCES_WITH_MODE = List.of("secret", "configMap", "downwardAPI", "projected");

    private Defaults() {
    }

    public static void pod(ObjectNode pod) {
        ObjectNode spec = ObjectNodes.ensure(pod, "spec");
        podSpec(spec);
        putIfAbsent(spec, "enableServiceLinks", true);
        if (!ObjectNodes.has(spec, "priority")) {
            spec.put("priority", 0);
        }
        if (!ObjectNodes.has(spec, "preemptionPolicy")) {
            spec.put("preemptionPolicy", "PreemptLowerPriority");
        }
        boolean hostNetwork = spec.path("hostNetwork").asBoolean(false);
        for (ObjectNode c : objects(spec, "containers", "initContainers")) {
            requestsFromLimits(c);
            if (hostNetwork) {
                for (ObjectNode port : objects(c, "ports")) {
                    if (port.path("hostPort").asLong(0) == 0 && port.has("containerPort")) {
                        port.set("hostPort", port.get("containerPort"));
                    }
                }
            }
        }
    }

    /** Defaults for every pod spec, including the templates of Deployments and ReplicaSets. */
    static void podSpec(ObjectNode spec) {
        putIfAbsent(spec, "dnsPolicy", "ClusterFirst");
        putIfAbsent(spec, "restartPolicy", "Always");
        if (!ObjectNodes.has(spec, "securityContext")) {
            spec.putObject("securityContext");
        }
        if (!ObjectNodes.has(spec, "terminationGracePeriodSeconds")) {
            spec.put("terminationGracePeriodSeconds", 30);
        }
        putIfAbsent(spec, "schedulerName", "default-scheduler");
        for (ObjectNode c : objects(spec, "containers", "initContainers", "ephemeralContainers")) {
            container(c);
        }
        for (ObjectNode v : objects(spec, "volumes")) {
            volume(v);
        }
    }

    private static void container(ObjectNode c) {
        putIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
        putIfAbsent(c, "terminationMessagePolicy", "File");
        putIfAbsent(c, "imagePullPolicy", "latest".equals(imageTag(ObjectNodes.text(c, "image"))) ? "Always" : "IfNotPresent");
        for (ObjectNode port : objects(c, "ports")) {
            putIfAbsent(port, "protocol", "TCP");
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            ObjectNode p = ObjectNodes.child(c, probe);
            if (p != null) {
                putIfAbsent(p, "timeoutSeconds", 1);
                putIfAbsent(p, "periodSeconds", 10);
                putIfAbsent(p, "successThreshold", 1);
                putIfAbsent(p, "failureThreshold", 3);
                httpGet(ObjectNodes.child(p, "httpGet"));
            }
        }
        ObjectNode lifecycle = ObjectNodes.child(c, "lifecycle");
        if (lifecycle != null) {
            for (String hook : List.of("postStart", "preStop")) {
                httpGet(ObjectNodes.child(ObjectNodes.child(lifecycle, hook), "httpGet"));
            }
        }
        for (ObjectNode env : objects(c, "env")) {
            ObjectNode fieldRef = ObjectNodes.child(ObjectNodes.child(env, "valueFrom"), "fieldRef");
            if (fieldRef != null) {
                putIfAbsent(fieldRef, "apiVersion", "v1");
            }
        }
    }

    private static void httpGet(ObjectNode action) {
        if (action != null) {
            putIfAbsent(action, "path", "/");
            putIfAbsent(action, "scheme", "HTTP");
        }
    }

    /** The tag Kubernetes' image-name parser finds: "latest" when there is neither tag nor digest. */
    static String imageTag(String image) {
        String name = image;
        boolean digest = false;
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
            digest = true;
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            return name.substring(colon + 1);
        }
        return digest ? "" : "latest";
    }

    private static void volume(ObjectNode v) {
        boolean hasSource = false;
        var names = v.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("name") && ObjectNodes.has(v, n)) {
                hasSource = true;
            }
        }
        if (!hasSource) {
            v.putObject("emptyDir");
        }
        for (String source : VOLUME_SOURCES_WITH_MODE) {
            ObjectNode s = ObjectNodes.child(v, source);
            if (s != null) {
                putIfAbsent(s, "defaultMode", 420);
            }
        }
        ObjectNode hostPath = ObjectNodes.child(v, "hostPath");
        if (hostPath != null) {
            putIfAbsent(hostPath, "type", "");
        }
        ObjectNode projected = ObjectNodes.child(v, "projected");
        if (projected != null) {
            for (ObjectNode source : objects(projected, "sources")) {
                ObjectNode token = ObjectNodes.child(source, "serviceAccountToken");
                if (token != null) {
                    putIfAbsent(token, "expirationSeconds", 3600);
                }
            }
        }
    }

    private static void requestsFromLimits(ObjectNode c) {
        ObjectNode resources = ObjectNodes.child(c, "resources");
        ObjectNode limits = ObjectNodes.child(resources, "limits");
        if (limits == null || limits.isEmpty()) {
            return;
        }
        ObjectNode requests = ObjectNodes.ensure(resources, "requests");
        limits.fields().forEachRemaining(en -> {
            if (!requests.has(en.getKey())) {
                requests.set(en.getKey(), en.getValue().deepCopy());
            }
        });
    }

    public static void deployment(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        putIfAbsent(spec, "replicas", 1);
        ObjectNode strategy = ObjectNodes.ensure(spec, "strategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if ("RollingUpdate".equals(ObjectNodes.text(strategy, "type"))) {
            ObjectNode rolling = ObjectNodes.ensure(strategy, "rollingUpdate");
            putIfAbsent(rolling, "maxUnavailable", "25%");
            putIfAbsent(rolling, "maxSurge", "25%");
        }
        putIfAbsent(spec, "revisionHistoryLimit", 10);
        putIfAbsent(spec, "progressDeadlineSeconds", 600);
        templateSpec(spec);
    }

    public static void replicaSet(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        putIfAbsent(spec, "replicas", 1);
        templateSpec(spec);
    }

    /** SetDefaults_ReplicationController: selector and labels from the template's labels, one replica. */
    public static void replicationController(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        ObjectNode templateMeta = ObjectNodes.child(ObjectNodes.child(spec, "template"), "metadata");
        ObjectNode labels = ObjectNodes.child(templateMeta, "labels");
        if (labels != null) {
            if (ObjectNodes.child(spec, "selector") == null || spec.get("selector").isEmpty()) {
                spec.set("selector", labels.deepCopy());
            }
            ObjectNode meta = ObjectNodes.ensure(obj, "metadata");
            if (ObjectNodes.child(meta, "labels") == null || meta.get("labels").isEmpty()) {
                meta.set("labels", labels.deepCopy());
            }
        }
        putIfAbsent(spec, "replicas", 1);
        if (ObjectNodes.child(spec, "template") != null) {
            podSpec(ObjectNodes.ensure((ObjectNode) spec.get("template"), "spec"));
        }
    }

    /** A PodTemplate's pod spec gets what every pod spec gets. */
    public static void podTemplate(ObjectNode obj) {
        podSpec(ObjectNodes.ensure(ObjectNodes.ensure(obj, "template"), "spec"));
    }

    /**
     * SetDefaults_LimitRangeItem: a Container limit's default is its max, its default request its default (or its
     * min), resource by resource.
     */
    public static void limitRange(ObjectNode obj) {
        for (ObjectNode item : objects(ObjectNodes.child(obj, "spec"), "limits")) {
            if (!"Container".equals(ObjectNodes.text(item, "type"))) {
                continue;
            }
            fillFrom(item, "default", "max");
            fillFrom(item, "defaultRequest", "default");
            fillFrom(item, "defaultRequest", "min");
        }
    }

    /** Copies each resource of {@code from} that {@code into} lacks; creates {@code into} only when something is copied. */
    private static void fillFrom(ObjectNode item, String into, String from) {
        ObjectNode source = ObjectNodes.child(item, from);
        if (source == null) {
            return;
        }
        source.fields().forEachRemaining(en -> {
            ObjectNode target = ObjectNodes.ensure(item, into);
            if (!target.has(en.getKey())) {
                target.set(en.getKey(), en.getValue().deepCopy());
            }
        });
    }

    private static void templateSpec(ObjectNode spec) {
        ObjectNode template = ObjectNodes.ensure(spec, "template");
        podSpec(ObjectNodes.ensure(template, "spec"));
    }

    public static void service(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        putIfAbsent(spec, "type", "ClusterIP");
        putIfAbsent(spec, "sessionAffinity", "None");
        String type = ObjectNodes.text(spec, "type");
        if ("ClientIP".equals(ObjectNodes.text(spec, "sessionAffinity")) && !ObjectNodes.has(spec, "sessionAffinityConfig")) {
            spec.putObject("sessionAffinityConfig").putObject("clientIP").put("timeoutSeconds", 10800);
        }
        for (ObjectNode port : objects(spec, "ports")) {
            putIfAbsent(port, "protocol", "TCP");
            JsonNode target = port.get("targetPort");
            boolean unset = target == null || target.isNull() || target.isNumber() && target.asLong() == 0
                    || target.isTextual() && target.textValue().isEmpty();
            if (unset && port.has("port")) {
                port.set("targetPort", port.get("port"));
            }
        }
        if ((type.equals("NodePort") || type.equals("LoadBalancer")) && !ObjectNodes.has(spec, "externalTrafficPolicy")) {
            spec.put("externalTrafficPolicy", "Cluster");
        }
        if (type.equals("LoadBalancer")) {
            putIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
        }
        if (type.equals("ExternalName")) {
            return;
        }
        putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
        String clusterIP = ObjectNodes.text(spec, "clusterIP");
        JsonNode clusterIPs = spec.get("clusterIPs");
        boolean noIPs = clusterIPs == null || !clusterIPs.isArray() || clusterIPs.isEmpty();
        if (!clusterIP.isEmpty() && noIPs) {
            spec.putArray("clusterIPs").add(clusterIP);
        } else if (clusterIP.isEmpty() && !noIPs) {
            spec.put("clusterIP", clusterIPs.get(0).asText());
        }
        if (!ObjectNodes.has(spec, "ipFamilies") || spec.get("ipFamilies").isEmpty()) {
            spec.putArray("ipFamilies").add("IPv4");
        }
        putIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
    }

    public static void namespace(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        if (!ObjectNodes.has(spec, "finalizers")) {
            spec.putArray("finalizers").add("kubernetes");
        }
        putIfAbsent(ObjectNodes.ensure(obj, "status"), "phase", "Active");
        ObjectNode meta = ObjectNodes.ensure(obj, "metadata");
        String name = ObjectNodes.text(meta, "name");
        if (!name.isEmpty()) {
            ObjectNodes.ensure(meta, "labels").put("kubernetes.io/metadata.name", name);
        }
    }

    /** Secret type Opaque, and v1's write-only stringData merged into data (stringData wins), as conversion does. */
    public static void secret(ObjectNode obj) {
        putIfAbsent(obj, "type", "Opaque");
        ObjectNode stringData = ObjectNodes.child(obj, "stringData");
        if (stringData != null) {
            ObjectNode data = ObjectNodes.ensure(obj, "data");
            stringData.fields().forEachRemaining(en -> data.put(en.getKey(),
                    Base64.getEncoder().encodeToString(en.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
        obj.remove("stringData");
    }

    public static void node(ObjectNode obj) {
        ObjectNode status = ObjectNodes.child(obj, "status");
        ObjectNode capacity = ObjectNodes.child(status, "capacity");
        if (capacity != null && !ObjectNodes.has(status, "allocatable")) {
            status.set("allocatable", capacity.deepCopy());
        }
    }

    public static void endpoints(ObjectNode obj) {
        for (ObjectNode subset : objects(obj, "subsets")) {
            for (ObjectNode port : objects(subset, "ports")) {
                putIfAbsent(port, "protocol", "TCP");
            }
        }
    }

    public static void endpointSlice(ObjectNode obj) {
        for (ObjectNode port : objects(obj, "ports")) {
            putIfAbsent(port, "name", "");
            putIfAbsent(port, "protocol", "TCP");
        }
    }

    private static List<ObjectNode> objects(ObjectNode parent, String... arrays) {
        List<ObjectNode> out = new java.util.ArrayList<>();
        for (String a : arrays) {
            JsonNode n = parent == null ? null : parent.get(a);
            if (n instanceof ArrayNode arr) {
                arr.forEach(el -> {
                    if (el instanceof ObjectNode o) {
                        out.add(o);
                    }
                });
            }
        }
        return out;
    }

    private static void putIfAbsent(ObjectNode o, String field, String value) {
        if (!ObjectNodes.has(o, field) || o.get(field).isTextual() && o.get(field).textValue().isEmpty()) {
            o.put(field, value);
        }
    }

    private static void putIfAbsent(ObjectNode o, String field, int value) {
        if (!ObjectNodes.has(o, field)) {
            o.put(field, value);
        }
    }

    private static void putIfAbsent(ObjectNode o, String field, boolean value) {
        if (!ObjectNodes.has(o, field)) {
            o.put(field, value);
        }
    }
}
