package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Quantities;
import dev.keelson.componentbase.api.Semantic;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Pods and pod specs (also inside workload templates), following core/validation's ValidatePodSpec and ValidatePodUpdate. */
public final class PodValidation {

    static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    private static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
    private static final List<String> TERMINATION_MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
    private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    private static final List<String> VOLUME_SOURCES = List.of("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk",
            "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder",
            "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume",
            "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image");
    private static final List<String> ENV_FIELD_PATHS = List.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs");
    private static final List<String> ENV_RESOURCE_FIELDS = List.of("limits.cpu", "limits.ephemeral-storage", "limits.memory",
            "requests.cpu", "requests.ephemeral-storage", "requests.memory");
    private static final Set<String> STANDARD_CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");
    private static final String UPDATABLE_FIELDS = String.join(",", List.of(
            "`spec.containers[*].image`",
            "`spec.initContainers[*].image`",
            "`spec.activeDeadlineSeconds`",
            "`spec.tolerations` (only additions to existing tolerations)",
            "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
    private static final long MAX_INT32 = Integer.MAX_VALUE;

    private PodValidation() {
    }

    public static void pod(Errs e, ObjectNode pod, boolean namespaced) {
        MetaValidation.objectMeta(e, pod, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = e.object(pod, "spec", sp);
        podSpec(e, spec == null ? ObjectNodes.EMPTY : spec, sp, true);
    }

    public static void podUpdate(Errs e, ObjectNode pod, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, pod, old);
        pod(e, pod, namespaced);
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = ObjectNodes.child(pod, "spec");
        ObjectNode oldSpec = ObjectNodes.child(old, "spec");
        if (spec == null || oldSpec == null) {
            return;
        }
        for (String list : List.of("containers", "initContainers")) {
            int n = sizeOf(spec.get(list));
            if (n != sizeOf(oldSpec.get(list))) {
                e.forbidden(sp.child(list), "pod updates may not add or remove containers");
                return;
            }
            for (int i = 0; i < n; i++) {
                String image = ObjectNodes.text(spec.get(list).get(i), "image");
                if (image.isEmpty()) {
                    e.required(sp.child(list).index(i).child("image"), "");
                }
            }
        }
        Long deadline = integerOrNull(spec.get("activeDeadlineSeconds"));
        Long oldDeadline = integerOrNull(oldSpec.get("activeDeadlineSeconds"));
        if (deadline != null) {
            if (deadline < 0 || deadline > MAX_INT32) {
                e.invalid(sp.child("activeDeadlineSeconds"), deadline, Formats.inclusiveRange(0, MAX_INT32));
                return;
            }
            if (oldDeadline != null && oldDeadline < deadline) {
                e.invalid(sp.child("activeDeadlineSeconds"), deadline, "must be less than or equal to previous value");
                return;
            }
        } else if (oldDeadline != null) {
            e.invalid(sp.child("activeDeadlineSeconds"), null, "must not update from a positive integer to nil value");
        }
        onlyAddedTolerations(e, spec.get("tolerations"), oldSpec.get("tolerations"), sp.child("tolerations"));
        onlyDeletedSchedulingGates(e, spec.get("schedulingGates"), oldSpec.get("schedulingGates"), sp.child("schedulingGates"));

        ObjectNode munged = spec.deepCopy();
        for (String list : List.of("containers", "initContainers")) {
            JsonNode cs = munged.get(list);
            for (int i = 0; cs != null && cs.isArray() && i < cs.size(); i++) {
                if (cs.get(i).isObject()) {
                    ((ObjectNode) cs.get(i)).set("image", oldSpec.get(list).get(i).get("image"));
                }
            }
        }
        for (String f : List.of("activeDeadlineSeconds", "schedulingGates", "tolerations")) {
            copyField(munged, oldSpec, f);
        }
        Long oldGrace = integerOrNull(oldSpec.get("terminationGracePeriodSeconds"));
        Long grace = integerOrNull(munged.get("terminationGracePeriodSeconds"));
        if (oldGrace != null && oldGrace < 0 && grace != null && grace == 1) {
            copyField(munged, oldSpec, "terminationGracePeriodSeconds");
        }
        List<String> diff = Semantic.differences(oldSpec, munged, sp.toString(), 10);
        if (!diff.isEmpty()) {
            e.forbidden(sp, "pod updates may not change fields other than " + UPDATABLE_FIELDS + "\nchanged: " + String.join(", ", diff));
        }
    }

    /** A pod template as in a Deployment or ReplicaSet: its labels and annotations, then its spec. */
    static void podTemplate(Errs e, ObjectNode template, FieldPath p) {
        ObjectNode meta = e.object(template, "metadata", p.child("metadata"));
        MetaValidation.labels(e, e.stringMap(meta, "labels", p.child("labels")), p.child("labels"));
        MetaValidation.annotations(e, e.stringMap(meta, "annotations", p.child("annotations")), p.child("annotations"));
        ObjectNode spec = e.object(template, "spec", p.child("spec"));
        podSpec(e, spec == null ? ObjectNodes.EMPTY : spec, p.child("spec"), false);
        if (spec != null && sizeOf(spec.get("ephemeralContainers")) > 0) {
            e.forbidden(p.child("spec").child("ephemeralContainers"), "ephemeral containers not allowed in pod template");
        }
    }

    static void podSpec(Errs e, ObjectNode spec, FieldPath p, boolean isPod) {
        Long grace = e.integer(spec, "terminationGracePeriodSeconds", p.child("terminationGracePeriodSeconds"));
        if (grace == null) {
            e.required(p.child("terminationGracePeriodSeconds"), "");
        } else if (grace < 0) {
            e.invalid(p.child("terminationGracePeriodSeconds"), grace, "must be greater than or equal to 0");
        }
        Map<String, ObjectNode> volumes = volumes(e, spec, p.child("volumes"));
        List<ObjectNode> containers = e.objects(spec, "containers", p.child("containers"));
        List<ObjectNode> initContainers = e.objects(spec, "initContainers", p.child("initContainers"));
        containers(e, containers, volumes, grace, p.child("containers"), isPod);
        initContainers(e, initContainers, containers, volumes, grace, p.child("initContainers"), isPod);

        Boolean hostNetwork = e.bool(spec, "hostNetwork", p.child("hostNetwork"));
        if (Boolean.TRUE.equals(hostNetwork)) {
            for (int i = 0; i < containers.size(); i++) {
                List<ObjectNode> ports = e.objects(containers.get(i), "ports", p.child("containers").index(i).child("ports"));
                for (int j = 0; j < ports.size(); j++) {
                    long hp = longOr(ports.get(j).get("hostPort"), 0);
                    long cp = longOr(ports.get(j).get("containerPort"), 0);
                    if ((isPod || hp != 0) && hp != cp) {
                        e.invalid(p.child("containers").index(i).child("ports").index(j).child("hostPort"), hp,
                                "must match `containerPort` when `hostNetwork` is true");
                    }
                }
            }
        }
        String restartPolicy = e.text(spec, "restartPolicy", p.child("restartPolicy"));
        enumField(e, restartPolicy, RESTART_POLICIES, p.child("restartPolicy"));
        String dnsPolicy = e.text(spec, "dnsPolicy", p.child("dnsPolicy"));
        enumField(e, dnsPolicy, DNS_POLICIES, p.child("dnsPolicy"));
        MetaValidation.labels(e, e.stringMap(spec, "nodeSelector", p.child("nodeSelector")), p.child("nodeSelector"));
        securityContext(e, e.object(spec, "securityContext", p.child("securityContext")), p.child("securityContext"));
        affinity(e, e.object(spec, "affinity", p.child("affinity")), p.child("affinity"));
        dnsConfig(e, spec, dnsPolicy, p.child("dnsConfig"));
        List<ObjectNode> gates = e.objects(spec, "readinessGates", p.child("readinessGates"));
        for (int i = 0; i < gates.size(); i++) {
            FieldPath gp = p.child("readinessGates").index(i).child("conditionType");
            String type = e.text(gates.get(i), "conditionType", gp);
            e.invalidEach(gp, type, Formats.qualifiedName(type));
        }
        List<ObjectNode> sched = e.objects(spec, "schedulingGates", p.child("schedulingGates"));
        Set<String> seenGates = new HashSet<>();
        for (int i = 0; i < sched.size(); i++) {
            FieldPath gp = p.child("schedulingGates").index(i);
            String name = e.text(sched.get(i), "name", gp.child("name"));
            e.invalidEach(gp, name, Formats.qualifiedName(name));
            if (!seenGates.add(name)) {
                e.duplicate(gp, name);
            }
        }
        String sa = e.text(spec, "serviceAccountName", p.child("serviceAccountName"));
        if (!sa.isEmpty()) {
            e.invalidEach(p.child("serviceAccountName"), sa, Formats.nameIsDnsSubdomain(sa, false));
        }
        String nodeName = e.text(spec, "nodeName", p.child("nodeName"));
        if (!nodeName.isEmpty()) {
            e.invalidEach(p.child("nodeName"), nodeName, Formats.nameIsDnsSubdomain(nodeName, false));
        }
        Long deadline = e.integer(spec, "activeDeadlineSeconds", p.child("activeDeadlineSeconds"));
        if (deadline != null && (deadline < 1 || deadline > MAX_INT32)) {
            e.invalid(p.child("activeDeadlineSeconds"), deadline, Formats.inclusiveRange(1, MAX_INT32));
        }
        for (String f : List.of("hostname", "subdomain")) {
            String v = e.text(spec, f, p.child(f));
            if (!v.isEmpty()) {
                e.invalidEach(p.child(f), v, Formats.dns1123Label(v));
            }
        }
        tolerations(e, e.objects(spec, "tolerations", p.child("tolerations")), p.child("tolerations"));
        List<ObjectNode> aliases = e.objects(spec, "hostAliases", p.child("hostAliases"));
        for (int i = 0; i < aliases.size(); i++) {
            FieldPath ap = p.child("hostAliases").index(i);
            String ip = e.text(aliases.get(i), "ip", ap.child("ip"));
            e.invalidEach(ap.child("ip"), ip, Formats.ip(ip));
            List<String> hostnames = e.strings(aliases.get(i), "hostnames", ap.child("hostnames"));
            for (int j = 0; j < hostnames.size(); j++) {
                e.invalidEach(ap.child("hostnames").index(j), hostnames.get(j), Formats.dns1123Subdomain(hostnames.get(j)));
            }
        }
        String priorityClass = e.text(spec, "priorityClassName", p.child("priorityClassName"));
        if (!priorityClass.isEmpty()) {
            e.invalidEach(p.child("priorityClassName"), priorityClass, Formats.nameIsDnsSubdomain(priorityClass, false));
        }
        String preemption = e.str(spec, "preemptionPolicy", p.child("preemptionPolicy"));
        if (preemption != null) {
            enumField(e, preemption, List.of("PreemptLowerPriority", "Never"), p.child("preemptionPolicy"));
        }
    }

    private static Map<String, ObjectNode> volumes(Errs e, ObjectNode spec, FieldPath p) {
        Map<String, ObjectNode> byName = new LinkedHashMap<>();
        List<ObjectNode> vols = e.objects(spec, "volumes", p);
        for (int i = 0; i < vols.size(); i++) {
            ObjectNode v = vols.get(i);
            FieldPath vp = p.index(i);
            int before = e.size();
            String name = e.text(v, "name", vp.child("name"));
            volumeSource(e, v, vp);
            if (name.isEmpty()) {
                e.required(vp.child("name"), "");
            } else {
                e.invalidEach(vp.child("name"), name, Formats.dns1123Label(name));
            }
            if (byName.containsKey(name)) {
                e.duplicate(vp.child("name"), name);
            }
            if (e.size() == before) {
                byName.put(name, v);
            }
        }
        return byName;
    }

    private static void volumeSource(Errs e, ObjectNode v, FieldPath p) {
        int sources = 0;
        for (String key : VOLUME_SOURCES) {
            if (!ObjectNodes.has(v, key)) {
                continue;
            }
            if (sources > 0) {
                e.forbidden(p.child(key), "may not specify more than 1 volume type");
                continue;
            }
            sources++;
            ObjectNode src = e.object(v, key, p.child(key));
            FieldPath sp = p.child(key);
            switch (key) {
                case "hostPath" -> requiredText(e, src, "path", sp);
                case "secret" -> requiredText(e, src, "secretName", sp);
                case "configMap" -> requiredText(e, src, "name", sp);
                case "persistentVolumeClaim" -> requiredText(e, src, "claimName", sp);
                case "nfs" -> {
                    requiredText(e, src, "server", sp);
                    requiredText(e, src, "path", sp);
                }
                case "emptyDir" -> {
                    String limit = quantityText(src == null ? null : src.get("sizeLimit"));
                    if (limit != null && Quantities.tryParse(limit).map(q -> q.value().signum() < 0).orElse(false)) {
                        e.forbidden(sp.child("sizeLimit"), "SizeLimit field must be a valid resource quantity");
                    }
                }
                default -> {
                }
            }
        }
        if (sources == 0) {
            e.required(p, "must specify a volume type");
        }
    }

    private static void requiredText(Errs e, ObjectNode src, String field, FieldPath p) {
        if (e.text(src, field, p.child(field)).isEmpty()) {
            e.required(p.child(field), "");
        }
    }

    private static void containers(Errs e, List<ObjectNode> containers, Map<String, ObjectNode> volumes, Long grace, FieldPath p,
            boolean isPod) {
        if (containers.isEmpty()) {
            e.required(p, "");
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            ObjectNode c = containers.get(i);
            FieldPath cp = p.index(i);
            containerCommon(e, c, volumes, cp, isPod);
            String name = ObjectNodes.text(c, "name");
            if (!names.add(name)) {
                e.duplicate(cp.child("name"), name);
            }
            lifecycle(e, e.object(c, "lifecycle", cp.child("lifecycle")), grace, cp.child("lifecycle"));
            probe(e, e.object(c, "livenessProbe", cp.child("livenessProbe")), cp.child("livenessProbe"), true);
            probe(e, e.object(c, "readinessProbe", cp.child("readinessProbe")), cp.child("readinessProbe"), false);
            probe(e, e.object(c, "startupProbe", cp.child("startupProbe")), cp.child("startupProbe"), true);
            if (ObjectNodes.has(c, "restartPolicy")) {
                e.forbidden(cp.child("restartPolicy"), "may not be set for non-init containers");
            }
        }
        hostPortConflicts(e, containers, p);
    }

    private static void initContainers(Errs e, List<ObjectNode> inits, List<ObjectNode> regular, Map<String, ObjectNode> volumes,
            Long grace, FieldPath p, boolean isPod) {
        Set<String> names = new HashSet<>();
        regular.forEach(c -> names.add(ObjectNodes.text(c, "name")));
        for (int i = 0; i < inits.size(); i++) {
            ObjectNode c = inits.get(i);
            FieldPath cp = p.index(i);
            containerCommon(e, c, volumes, cp, isPod);
            String restart = e.str(c, "restartPolicy", cp.child("restartPolicy"));
            boolean sidecar = "Always".equals(restart);
            if (restart != null && !sidecar) {
                e.notSupported(cp.child("restartPolicy"), restart, List.of("Always"));
            }
            String name = ObjectNodes.text(c, "name");
            if (names.contains(name)) {
                e.duplicate(cp.child("name"), name);
            } else if (!name.isEmpty()) {
                names.add(name);
            }
            hostPortConflicts(e, List.of(c), p);
            if (sidecar) {
                lifecycle(e, e.object(c, "lifecycle", cp.child("lifecycle")), grace, cp.child("lifecycle"));
                probe(e, e.object(c, "livenessProbe", cp.child("livenessProbe")), cp.child("livenessProbe"), true);
                probe(e, e.object(c, "readinessProbe", cp.child("readinessProbe")), cp.child("readinessProbe"), false);
                probe(e, e.object(c, "startupProbe", cp.child("startupProbe")), cp.child("startupProbe"), true);
            } else {
                for (String f : List.of("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")) {
                    if (ObjectNodes.has(c, f)) {
                        e.forbidden(cp.child(f), "may not be set for init containers without restartPolicy=Always");
                    }
                }
            }
        }
    }

    private static void containerCommon(Errs e, ObjectNode c, Map<String, ObjectNode> volumes, FieldPath p, boolean isPod) {
        String name = e.text(c, "name", p.child("name"));
        if (name.isEmpty()) {
            e.required(p.child("name"), "");
        } else {
            e.invalidEach(p.child("name"), name, Formats.dns1123Label(name));
        }
        String image = e.text(c, "image", p.child("image"));
        if (image.isEmpty()) {
            e.required(p.child("image"), "");
        } else if (isPod && !image.strip().equals(image)) {
            e.invalid(p.child("image"), image, "must not have leading or trailing whitespace");
        }
        enumField(e, e.text(c, "terminationMessagePolicy", p.child("terminationMessagePolicy")), TERMINATION_MESSAGE_POLICIES,
                p.child("terminationMessagePolicy"));
        ports(e, e.objects(c, "ports", p.child("ports")), p.child("ports"));
        env(e, e.objects(c, "env", p.child("env")), p.child("env"));
        envFrom(e, e.objects(c, "envFrom", p.child("envFrom")), p.child("envFrom"));
        volumeMounts(e, e.objects(c, "volumeMounts", p.child("volumeMounts")), volumes, p.child("volumeMounts"));
        String pull = e.text(c, "imagePullPolicy", p.child("imagePullPolicy"));
        enumField(e, pull, PULL_POLICIES, p.child("imagePullPolicy"));
        resources(e, e.object(c, "resources", p.child("resources")), p.child("resources"));
        securityContext(e, e.object(c, "securityContext", p.child("securityContext")), p.child("securityContext"));
    }

    /** An enum field that defaulting always fills: empty is "Required", anything unknown "Unsupported". */
    static void enumField(Errs e, String value, List<String> supported, FieldPath p) {
        if (value.isEmpty()) {
            e.required(p, "");
        } else if (!supported.contains(value)) {
            e.notSupported(p, value, supported);
        }
    }

    private static void ports(Errs e, List<ObjectNode> ports, FieldPath p) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            FieldPath pp = p.index(i);
            String name = e.text(port, "name", pp.child("name"));
            if (!name.isEmpty()) {
                List<String> msgs = Formats.portName(name);
                if (!msgs.isEmpty()) {
                    e.invalidEach(pp.child("name"), name, msgs);
                } else if (!names.add(name)) {
                    e.duplicate(pp.child("name"), name);
                }
            }
            Long containerPort = e.integer(port, "containerPort", pp.child("containerPort"));
            if (containerPort == null || containerPort == 0) {
                e.required(pp.child("containerPort"), "");
            } else {
                e.invalidEach(pp.child("containerPort"), containerPort, Formats.portNum(containerPort));
            }
            Long hostPort = e.integer(port, "hostPort", pp.child("hostPort"));
            if (hostPort != null && hostPort != 0) {
                e.invalidEach(pp.child("hostPort"), hostPort, Formats.portNum(hostPort));
            }
            protocol(e, e.text(port, "protocol", pp.child("protocol")), pp.child("protocol"));
        }
    }

    static void protocol(Errs e, String protocol, FieldPath p) {
        enumField(e, protocol, PROTOCOLS, p);
    }

    private static void hostPortConflicts(Errs e, List<ObjectNode> containers, FieldPath p) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            JsonNode ports = containers.get(i).get("ports");
            for (int j = 0; ports != null && ports.isArray() && j < ports.size(); j++) {
                JsonNode port = ports.get(j);
                long hostPort = longOr(port.get("hostPort"), 0);
                if (hostPort == 0) {
                    continue;
                }
                String key = ObjectNodes.text(port, "protocol") + "/" + ObjectNodes.text(port, "hostIP") + "/" + hostPort;
                if (!seen.add(key)) {
                    e.duplicate(p.index(i).child("ports").index(j).child("hostPort"), key);
                }
            }
        }
    }

    private static void env(Errs e, List<ObjectNode> vars, FieldPath p) {
        for (int i = 0; i < vars.size(); i++) {
            ObjectNode v = vars.get(i);
            FieldPath vp = p.index(i);
            String name = e.text(v, "name", vp.child("name"));
            if (name.isEmpty()) {
                e.required(vp.child("name"), "");
            } else {
                e.invalidEach(vp.child("name"), name, Formats.envVarName(name));
            }
            ObjectNode from = e.object(v, "valueFrom", vp.child("valueFrom"));
            if (from == null) {
                continue;
            }
            FieldPath fp = vp.child("valueFrom");
            int sources = 0;
            ObjectNode fieldRef = e.object(from, "fieldRef", fp.child("fieldRef"));
            if (fieldRef != null) {
                sources++;
                FieldPath rp = fp.child("fieldRef");
                String apiVersion = e.text(fieldRef, "apiVersion", rp.child("apiVersion"));
                String path = e.text(fieldRef, "fieldPath", rp.child("fieldPath"));
                if (apiVersion.isEmpty()) {
                    e.required(rp.child("apiVersion"), "");
                } else if (path.isEmpty()) {
                    e.required(rp.child("fieldPath"), "");
                } else if (path.matches("metadata\\.(labels|annotations)\\['.*'\\]")) {
                    String key = path.substring(path.indexOf("['") + 2, path.length() - 2);
                    e.invalidEach(rp, key, Formats.qualifiedName(path.startsWith("metadata.annotations")
                            ? key.toLowerCase(java.util.Locale.ROOT) : key));
                } else if (!ENV_FIELD_PATHS.contains(path)) {
                    e.notSupported(rp.child("fieldPath"), path, ENV_FIELD_PATHS);
                }
            }
            ObjectNode resourceRef = e.object(from, "resourceFieldRef", fp.child("resourceFieldRef"));
            if (resourceRef != null) {
                sources++;
                FieldPath rp = fp.child("resourceFieldRef");
                String resource = e.text(resourceRef, "resource", rp.child("resource"));
                if (resource.isEmpty()) {
                    e.required(rp.child("resource"), "");
                } else if (!ENV_RESOURCE_FIELDS.contains(resource) && !resource.startsWith("requests.hugepages-")
                        && !resource.startsWith("limits.hugepages-")) {
                    e.notSupported(rp.child("resource"), resource, ENV_RESOURCE_FIELDS);
                }
            }
            for (String ref : List.of("configMapKeyRef", "secretKeyRef")) {
                ObjectNode sel = e.object(from, ref, fp.child(ref));
                if (sel == null) {
                    continue;
                }
                sources++;
                FieldPath rp = fp.child(ref);
                String refName = e.text(sel, "name", rp.child("name"));
                e.invalidEach(rp.child("name"), refName, Formats.nameIsDnsSubdomain(refName, false));
                String key = e.text(sel, "key", rp.child("key"));
                if (key.isEmpty()) {
                    e.required(rp.child("key"), "");
                } else {
                    e.invalidEach(rp.child("key"), key, Formats.configMapKey(key));
                }
            }
            if (sources == 0) {
                e.invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
            } else if (!ObjectNodes.text(v, "value").isEmpty()) {
                e.invalid(fp, "", "may not be specified when `value` is not empty");
            } else if (sources > 1) {
                e.invalid(fp, "", "may not have more than one field specified at a time");
            }
        }
    }

    private static void envFrom(Errs e, List<ObjectNode> sources, FieldPath p) {
        for (int i = 0; i < sources.size(); i++) {
            ObjectNode s = sources.get(i);
            FieldPath sp = p.index(i);
            String prefix = e.text(s, "prefix", sp.child("prefix"));
            if (!prefix.isEmpty()) {
                e.invalidEach(sp.child("prefix"), prefix, Formats.envVarName(prefix));
            }
            int n = 0;
            for (String ref : List.of("configMapRef", "secretRef")) {
                ObjectNode r = e.object(s, ref, sp.child(ref));
                if (r == null) {
                    continue;
                }
                n++;
                String name = e.text(r, "name", sp.child(ref).child("name"));
                if (name.isEmpty()) {
                    e.required(sp.child(ref).child("name"), "");
                } else {
                    e.invalidEach(sp.child(ref).child("name"), name, Formats.nameIsDnsSubdomain(name, true));
                }
            }
            if (n == 0) {
                e.invalid(p, "", "must specify one of: `configMapRef` or `secretRef`");
            } else if (n > 1) {
                e.invalid(p, "", "may not have more than one field specified at a time");
            }
        }
    }

    private static void volumeMounts(Errs e, List<ObjectNode> mounts, Map<String, ObjectNode> volumes, FieldPath p) {
        Set<String> mountPoints = new HashSet<>();
        for (int i = 0; i < mounts.size(); i++) {
            ObjectNode m = mounts.get(i);
            FieldPath mp = p.index(i);
            String name = e.text(m, "name", mp.child("name"));
            if (name.isEmpty()) {
                e.required(mp.child("name"), "");
            }
            if (!volumes.containsKey(name)) {
                e.notFound(mp.child("name"), name);
            }
            String path = e.text(m, "mountPath", mp.child("mountPath"));
            if (path.isEmpty()) {
                e.required(mp.child("mountPath"), "");
            }
            if (!mountPoints.add(path)) {
                e.invalid(mp.child("mountPath"), path, "must be unique");
            }
            String subPath = e.text(m, "subPath", mp.child("subPath"));
            if (!subPath.isEmpty()) {
                localDescendingPath(e, subPath, p.child("subPath"));
            }
            String subPathExpr = e.text(m, "subPathExpr", mp.child("subPathExpr"));
            if (!subPathExpr.isEmpty()) {
                if (!subPath.isEmpty()) {
                    e.invalid(mp.child("subPathExpr"), subPathExpr, "subPathExpr and subPath are mutually exclusive");
                }
                localDescendingPath(e, subPathExpr, p.child("subPathExpr"));
            }
        }
    }

    private static void localDescendingPath(Errs e, String path, FieldPath p) {
        if (path.startsWith("/")) {
            e.invalid(p, path, "must be a relative path");
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                e.invalid(p, path, "must not contain '..'");
                break;
            }
        }
    }

    private static void resources(Errs e, ObjectNode res, FieldPath p) {
        FieldPath limPath = p.child("limits");
        FieldPath reqPath = p.child("requests");
        Map<String, BigDecimal> limits = resourceList(e, e.object(res, "limits", limPath), limPath);
        Map<String, BigDecimal> requests = resourceList(e, e.object(res, "requests", reqPath), reqPath);
        for (Map.Entry<String, BigDecimal> r : requests.entrySet()) {
            String name = r.getKey();
            BigDecimal limit = limits.get(name);
            String requestText = Quantities.canonical(r.getValue(), formatOf(res.get("requests").get(name)));
            if (limit != null) {
                String limitText = Quantities.canonical(limit, formatOf(res.get("limits").get(name)));
                if (r.getValue().compareTo(limit) != 0 && !overcommitAllowed(name)) {
                    e.invalid(reqPath, requestText, "must be equal to " + name + " limit of " + limitText);
                } else if (r.getValue().compareTo(limit) > 0) {
                    e.invalid(reqPath, requestText, "must be less than or equal to " + name + " limit of " + limitText);
                }
            } else if (!overcommitAllowed(name) && !ObjectNodes.has(ObjectNodes.child(res, "limits"), name)) {
                e.required(limPath, "Limit must be set for non overcommitable resources");
            }
        }
    }

    /** The parsed quantities of a resource list; names and values that fail are reported and left out. */
    static Map<String, BigDecimal> resourceList(Errs e, ObjectNode list, FieldPath p) {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        if (list == null) {
            return out;
        }
        list.fields().forEachRemaining(en -> {
            String name = en.getKey();
            FieldPath rp = p.key(name);
            int before = e.size();
            containerResourceName(e, name, rp);
            Optional<BigDecimal> q = quantity(e, en.getValue(), rp);
            if (q.isEmpty()) {
                return;
            }
            BigDecimal v = q.get();
            String text = Quantities.canonical(v, formatOf(en.getValue()));
            if (v.signum() < 0) {
                e.invalid(rp, text, "must be greater than or equal to 0");
            }
            if (isIntegerResource(name) && v.stripTrailingZeros().scale() > 0) {
                e.invalid(rp, new GoValues.Literal(text), "must be an integer");
            }
            if (e.size() == before) {
                out.put(name, v);
            }
        });
        return out;
    }

    /** Parses a quantity given as a JSON string or number, reporting Kubernetes' message when it is malformed. */
    static Optional<BigDecimal> quantity(Errs e, JsonNode value, FieldPath p) {
        String text = quantityText(value);
        if (text == null) {
            e.add(FieldError.typeInvalid(p, value, "must be a quantity"));
            return Optional.empty();
        }
        try {
            return Optional.of(Quantities.parse(text));
        } catch (IllegalArgumentException ex) {
            e.invalid(p, text, ex.getMessage());
            return Optional.empty();
        }
    }

    static String quantityText(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue().strip();
        }
        if (value.isNumber()) {
            return value.decimalValue().toPlainString();
        }
        return null;
    }

    static Quantities.Format formatOf(JsonNode value) {
        String text = quantityText(value);
        return text == null ? Quantities.Format.DECIMAL_SI
                : Quantities.tryParse(text).map(Quantities.Quantity::format).orElse(Quantities.Format.DECIMAL_SI);
    }

    private static void containerResourceName(Errs e, String name, FieldPath p) {
        List<String> msgs = Formats.qualifiedName(name);
        if (!msgs.isEmpty()) {
            e.invalidEach(p, name, msgs);
            return;
        }
        if (!name.contains("/")) {
            if (!STANDARD_CONTAINER_RESOURCES.contains(name) && !name.startsWith("hugepages-")) {
                e.invalid(p, name, "must be a standard resource for containers");
            }
        } else if (!isNative(name) && name.startsWith("requests.")) {
            e.invalid(p, name, "doesn't follow extended resource name standard");
        }
    }

    private static boolean isNative(String name) {
        return !name.contains("/") || name.contains("kubernetes.io/");
    }

    private static boolean overcommitAllowed(String name) {
        return isNative(name) && !name.startsWith("hugepages-");
    }

    private static boolean isIntegerResource(String name) {
        return !isNative(name) || name.startsWith("attachable-volumes-");
    }

    private static void probe(Errs e, ObjectNode probe, FieldPath p, boolean successMustBeOne) {
        if (probe == null) {
            return;
        }
        handler(e, probe, p, List.of("exec", "httpGet", "tcpSocket", "grpc"));
        for (String f : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")) {
            e.nonNegative(e.integer(probe, f, p.child(f)), p.child(f));
        }
        Long grace = e.integer(probe, "terminationGracePeriodSeconds", p.child("terminationGracePeriodSeconds"));
        if (grace != null && grace <= 0) {
            e.invalid(p.child("terminationGracePeriodSeconds"), grace, "must be greater than 0");
        }
        Long success = e.integer(probe, "successThreshold", p.child("successThreshold"));
        if (successMustBeOne && success != null && success != 1) {
            e.invalid(p.child("successThreshold"), success, "must be 1");
        }
        if (!successMustBeOne && grace != null) {
            e.invalid(p.child("terminationGracePeriodSeconds"), grace, "must not be set for readinessProbes");
        }
    }

    private static void lifecycle(Errs e, ObjectNode lifecycle, Long grace, FieldPath p) {
        if (lifecycle == null) {
            return;
        }
        for (String hook : List.of("postStart", "preStop")) {
            ObjectNode h = e.object(lifecycle, hook, p.child(hook));
            if (h == null) {
                continue;
            }
            handler(e, h, p.child(hook), List.of("exec", "httpGet", "tcpSocket", "sleep"));
            ObjectNode sleep = ObjectNodes.child(h, "sleep");
            if (sleep != null && grace != null) {
                long seconds = longOr(sleep.get("seconds"), 0);
                if (seconds < 0 || seconds > grace) {
                    e.invalid(p.child(hook).child("sleep"), seconds,
                            "must be non-negative and less than terminationGracePeriodSeconds (" + grace + ")");
                }
            }
        }
    }

    /** Exactly one handler of the kinds allowed here. */
    private static void handler(Errs e, ObjectNode h, FieldPath p, List<String> kinds) {
        int n = 0;
        for (String kind : kinds) {
            ObjectNode action = e.object(h, kind, p.child(kind));
            if (action == null) {
                continue;
            }
            if (n > 0) {
                e.forbidden(p.child(kind), "may not specify more than 1 handler type");
                continue;
            }
            n++;
            FieldPath ap = p.child(kind);
            switch (kind) {
                case "exec" -> {
                    if (e.strings(action, "command", ap.child("command")).isEmpty()) {
                        e.required(ap.child("command"), "");
                    }
                }
                case "httpGet" -> {
                    if (e.text(action, "path", ap.child("path")).isEmpty()) {
                        e.required(ap.child("path"), "");
                    }
                    portNumOrName(e, action.get("port"), ap.child("port"));
                    String scheme = e.text(action, "scheme", ap.child("scheme"));
                    if (!scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
                        e.notSupported(ap.child("scheme"), scheme, List.of("HTTP", "HTTPS"));
                    }
                    for (ObjectNode header : e.objects(action, "httpHeaders", ap.child("httpHeaders"))) {
                        String name = ObjectNodes.text(header, "name");
                        e.invalidEach(ap.child("httpHeaders"), name, Formats.httpHeaderName(name));
                    }
                }
                case "tcpSocket" -> portNumOrName(e, action.get("port"), ap.child("port"));
                case "grpc" -> {
                    Long port = e.integer(action, "port", ap.child("port"));
                    long value = port == null ? 0 : port;
                    e.invalidEach(ap.child("port"), value, Formats.portNum(value));
                }
                default -> {
                }
            }
        }
        if (n == 0) {
            e.required(p, "must specify a handler type");
        }
    }

    /** An IntOrString port: a number 1..65535 or an IANA_SVC_NAME. */
    static void portNumOrName(Errs e, JsonNode port, FieldPath p) {
        if (port != null && port.isTextual()) {
            e.invalidEach(p, port.textValue(), Formats.portName(port.textValue()));
        } else if (port != null && port.isIntegralNumber()) {
            e.invalidEach(p, port.longValue(), Formats.portNum(port.longValue()));
        } else if (port == null || port.isNull()) {
            e.invalidEach(p, 0L, Formats.portNum(0));
        } else {
            e.add(FieldError.typeInvalid(p, port, "must be an integer or a string"));
        }
    }

    private static void securityContext(Errs e, ObjectNode sc, FieldPath p) {
        if (sc == null) {
            return;
        }
        for (String f : List.of("runAsUser", "runAsGroup", "fsGroup")) {
            Long id = e.integer(sc, f, p.child(f));
            if (id != null && (id < 0 || id > 0xffffffffL)) {
                e.invalid(p.child(f), id, Formats.inclusiveRange(0, 0xffffffffL));
            }
        }
    }

    private static void affinity(Errs e, ObjectNode affinity, FieldPath p) {
        ObjectNode na = affinity == null ? null : e.object(affinity, "nodeAffinity", p.child("nodeAffinity"));
        if (na == null) {
            return;
        }
        FieldPath np = p.child("nodeAffinity");
        ObjectNode required = e.object(na, "requiredDuringSchedulingIgnoredDuringExecution",
                np.child("requiredDuringSchedulingIgnoredDuringExecution"));
        if (required != null) {
            FieldPath tp = np.child("requiredDuringSchedulingIgnoredDuringExecution").child("nodeSelectorTerms");
            List<ObjectNode> terms = e.objects(required, "nodeSelectorTerms", tp);
            if (terms.isEmpty()) {
                e.required(tp, "must have at least one node selector term");
            }
            for (int i = 0; i < terms.size(); i++) {
                nodeSelectorTerm(e, terms.get(i), tp.index(i), false);
            }
        }
        List<ObjectNode> preferred = e.objects(na, "preferredDuringSchedulingIgnoredDuringExecution",
                np.child("preferredDuringSchedulingIgnoredDuringExecution"));
        for (int i = 0; i < preferred.size(); i++) {
            FieldPath pp = np.child("preferredDuringSchedulingIgnoredDuringExecution").index(i);
            Long weight = e.integer(preferred.get(i), "weight", pp.child("weight"));
            if (weight == null || weight <= 0 || weight > 100) {
                e.invalid(pp.child("weight"), weight == null ? 0L : weight, "must be in the range 1-100");
            }
            ObjectNode pref = e.object(preferred.get(i), "preference", pp.child("preference"));
            nodeSelectorTerm(e, pref, pp.child("preference"), true);
        }
    }

    private static void nodeSelectorTerm(Errs e, ObjectNode term, FieldPath p, boolean allowInvalidValues) {
        List<ObjectNode> exprs = e.objects(term, "matchExpressions", p.child("matchExpressions"));
        for (int j = 0; j < exprs.size(); j++) {
            MetaValidation.selectorRequirement(e, exprs.get(j), p.child("matchExpressions").index(j), true,
                    !allowInvalidValues);
        }
    }

    private static void dnsConfig(Errs e, ObjectNode spec, String dnsPolicy, FieldPath p) {
        ObjectNode config = e.object(spec, "dnsConfig", p);
        if ("None".equals(dnsPolicy)) {
            if (config == null) {
                e.required(p, "must provide `dnsConfig` when `dnsPolicy` is None");
                return;
            }
            if (sizeOf(config.get("nameservers")) == 0) {
                e.required(p.child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None");
                return;
            }
        }
        if (config == null) {
            return;
        }
        List<String> servers = e.strings(config, "nameservers", p.child("nameservers"));
        if (servers.size() > 3) {
            e.invalid(p.child("nameservers"), servers, "must not have more than 3 nameservers");
        }
        for (int i = 0; i < servers.size(); i++) {
            e.invalidEach(p.child("nameservers").index(i), servers.get(i), Formats.ip(servers.get(i)));
        }
        List<String> searches = e.strings(config, "searches", p.child("searches"));
        if (searches.size() > 32) {
            e.invalid(p.child("searches"), searches, "must not have more than 32 search paths");
        }
        for (int i = 0; i < searches.size(); i++) {
            String s = searches.get(i);
            String trimmed = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
            e.invalidEach(p.child("searches").index(i), trimmed, Formats.dns1123Subdomain(trimmed));
        }
    }

    static void tolerations(Errs e, List<ObjectNode> tolerations, FieldPath p) {
        for (int i = 0; i < tolerations.size(); i++) {
            ObjectNode t = tolerations.get(i);
            FieldPath tp = p.index(i);
            String key = e.text(t, "key", tp.child("key"));
            String op = e.text(t, "operator", tp.child("operator"));
            String value = e.text(t, "value", tp.child("value"));
            String effect = e.text(t, "effect", tp.child("effect"));
            Long seconds = e.integer(t, "tolerationSeconds", tp.child("tolerationSeconds"));
            if (!key.isEmpty()) {
                MetaValidation.labelName(e, key, tp.child("key"));
            }
            if (key.isEmpty() && !op.equals("Exists")) {
                e.invalid(tp.child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values "
                        + "and all keys\"");
            }
            if (seconds != null && !effect.equals("NoExecute")) {
                e.invalid(tp.child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
            }
            switch (op) {
                case "Equal", "" -> {
                    List<String> msgs = Formats.labelValue(value);
                    if (!msgs.isEmpty()) {
                        e.invalid(tp.child("operator"), value, String.join(";", msgs));
                    }
                }
                case "Exists" -> {
                    if (!value.isEmpty()) {
                        e.invalid(tp.child("operator"), value, "value must be empty when `operator` is 'Exists'");
                    }
                }
                default -> e.notSupported(tp.child("operator"), op, List.of("Equal", "Exists"));
            }
            if (!effect.isEmpty() && !TAINT_EFFECTS.contains(effect)) {
                e.notSupported(tp.child("effect"), effect, TAINT_EFFECTS);
            }
        }
    }

    /** Node taints, unique by key and effect. */
    static void taints(Errs e, List<ObjectNode> taints, FieldPath p) {
        Map<String, Set<String>> seen = new HashMap<>();
        for (int i = 0; i < taints.size(); i++) {
            ObjectNode t = taints.get(i);
            FieldPath tp = p.index(i);
            String key = e.text(t, "key", tp.child("key"));
            String value = e.text(t, "value", tp.child("value"));
            String effect = e.text(t, "effect", tp.child("effect"));
            MetaValidation.labelName(e, key, tp.child("key"));
            List<String> msgs = Formats.labelValue(value);
            if (!msgs.isEmpty()) {
                e.invalid(tp.child("value"), value, String.join(";", msgs));
            }
            if (effect.isEmpty()) {
                e.required(tp.child("effect"), "");
            } else if (!TAINT_EFFECTS.contains(effect)) {
                e.notSupported(tp.child("effect"), effect, TAINT_EFFECTS);
            }
            if (!seen.computeIfAbsent(effect, k -> new HashSet<>()).add(key)) {
                e.add(new FieldError(FieldError.DUPLICATE, tp.toString(), "Duplicate value: " + GoValues.render(t)
                        + ": taints must be unique by key and effect pair"));
            }
        }
    }

    private static void onlyAddedTolerations(Errs e, JsonNode newList, JsonNode oldList, FieldPath p) {
        if (oldList != null && oldList.isArray()) {
            for (JsonNode old : oldList) {
                boolean found = false;
                for (int i = 0; newList != null && newList.isArray() && i < newList.size() && !found; i++) {
                    JsonNode candidate = newList.get(i);
                    if (!candidate.isObject() || !old.isObject()) {
                        continue;
                    }
                    ObjectNode a = ((ObjectNode) old).deepCopy();
                    ObjectNode b = ((ObjectNode) candidate).deepCopy();
                    a.remove("tolerationSeconds");
                    b.remove("tolerationSeconds");
                    found = Semantic.equal(a, b);
                }
                if (!found) {
                    e.forbidden(p, "existing toleration can not be modified except its tolerationSeconds");
                    return;
                }
            }
        }
    }

    private static void onlyDeletedSchedulingGates(Errs e, JsonNode newGates, JsonNode oldGates, FieldPath p) {
        if (newGates == null || !newGates.isArray()) {
            return;
        }
        Set<String> old = new HashSet<>();
        if (oldGates != null && oldGates.isArray()) {
            oldGates.forEach(g -> old.add(ObjectNodes.text(g, "name")));
        }
        for (int i = 0; i < newGates.size(); i++) {
            String name = ObjectNodes.text(newGates.get(i), "name");
            if (!old.contains(name)) {
                e.forbidden(p.index(i).child("name"), "only deletion is allowed, but found new scheduling gate '" + name + "'");
            }
        }
    }

    private static void copyField(ObjectNode target, ObjectNode source, String field) {
        JsonNode v = source.get(field);
        if (v == null) {
            target.remove(field);
        } else {
            target.set(field, v.deepCopy());
        }
    }

    static Long integerOrNull(JsonNode n) {
        return n != null && n.isNumber() ? n.longValue() : null;
    }

    static long longOr(JsonNode n, long dflt) {
        return n != null && n.isNumber() ? n.longValue() : dflt;
    }

    static int sizeOf(JsonNode n) {
        return n instanceof ArrayNode || n instanceof ObjectNode ? n.size() : 0;
    }
}
