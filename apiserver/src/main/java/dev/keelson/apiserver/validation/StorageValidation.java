package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * v1 PersistentVolumes and PersistentVolumeClaims and storage.k8s.io/v1 StorageClasses as core/validation and
 * storage/validation check them (ValidatePersistentVolume, ValidatePersistentVolumeClaim, ValidateStorageClass and
 * their updates), with Kubernetes' messages. Update messages omit the diff Kubernetes appends to "is immutable".
 */
public final class StorageValidation {
    static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
            "ReadWriteOncePod");
    private static final List<String> PV_RECLAIM = List.of("Delete", "Recycle", "Retain");
    private static final List<String> SC_RECLAIM = List.of("Delete", "Retain");
    private static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");
    private static final List<String> VOLUME_MODES = List.of("Block", "Filesystem");
    private static final List<String> PV_PHASES = List.of("Available", "Bound", "Failed", "Pending", "Released");
    private static final List<String> PVC_PHASES = List.of("Bound", "Lost", "Pending");
    /** The PersistentVolumeSource fields (one of them is the volume). */
    static final List<String> PV_SOURCES = List.of("gcePersistentDisk", "awsElasticBlockStore", "hostPath",
            "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile",
            "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local",
            "storageos", "csi");
    private static final List<String> HOST_PATH_TYPES = List.of("", "BlockDevice", "CharDevice", "Directory",
            "DirectoryOrCreate", "File", "FileOrCreate", "Socket");
    private static final int MAX_PARAMETERS = 512;
    private static final int MAX_PARAMETERS_BYTES = 256 * 1024;

    private StorageValidation() {
    }

    // ------------------------------------------------------------------ PersistentVolume

    public static void persistentVolume(Errs e, ObjectNode pv) {
        MetaValidation.objectMeta(e, pv, false);
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = e.object(pv, "spec", sp);
        accessModes(e, spec, sp.child("accessModes"), "must specify at least 1 access mode");
        ObjectNode capacity = e.object(spec, "capacity", sp.child("capacity"));
        if (capacity == null || capacity.isEmpty()) {
            e.required(sp.child("capacity"), "");
        } else {
            capacity.fieldNames().forEachRemaining(k -> {
                if (!k.equals("storage")) {
                    e.notSupported(sp.child("capacity").key(k), k, List.of("storage"));
                }
            });
            positiveQuantity(e, capacity.get("storage"), sp.child("capacity").key("storage"));
        }
        String reclaim = e.str(spec, "persistentVolumeReclaimPolicy", sp.child("persistentVolumeReclaimPolicy"));
        if (reclaim != null && !PV_RECLAIM.contains(reclaim)) {
            e.notSupported(sp.child("persistentVolumeReclaimPolicy"), reclaim, PV_RECLAIM);
        }
        className(e, spec, sp);
        String mode = e.str(spec, "volumeMode", sp.child("volumeMode"));
        if (mode != null && !VOLUME_MODES.contains(mode)) {
            e.notSupported(sp.child("volumeMode"), mode, VOLUME_MODES);
        }
        boolean affinity = nodeAffinity(e, spec, sp.child("nodeAffinity"));
        String source = volumeSource(e, spec, sp);
        if ("local".equals(source) && !affinity) {
            e.required(sp.child("nodeAffinity"), "Local volume requires node affinity");
        }
        ObjectNode claimRef = e.object(spec, "claimRef", sp.child("claimRef"));
        if (claimRef != null && e.text(claimRef, "name", sp.child("claimRef").child("name")).isEmpty()) {
            e.required(sp.child("claimRef").child("name"), "");
        }
        String phase = e.str(pv.path("status"), "phase", FieldPath.of("status", "phase"));
        if (phase != null && !phase.isEmpty() && !PV_PHASES.contains(phase)) {
            e.notSupported(FieldPath.of("status", "phase"), phase, PV_PHASES);
        }
    }

    public static void persistentVolumeUpdate(Errs e, ObjectNode pv, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, pv, old);
        persistentVolume(e, pv);
        JsonNode spec = pv.path("spec");
        JsonNode oldSpec = old.path("spec");
        for (String source : PV_SOURCES) {
            if (!MetaValidation.sameValue(spec.get(source), oldSpec.get(source))) {
                e.forbidden(FieldPath.of("spec", "persistentvolumesource"),
                        "spec.persistentvolumesource is immutable after creation");
                break;
            }
        }
        immutable(e, spec.get("volumeMode"), oldSpec.get("volumeMode"), FieldPath.of("spec", "volumeMode"));
        JsonNode oldAffinity = oldSpec.get("nodeAffinity");
        if (oldAffinity != null && !oldAffinity.isNull()) {
            immutable(e, spec.get("nodeAffinity"), oldAffinity, FieldPath.of("spec", "nodeAffinity"));
        }
        if (!oldSpec.path("storageClassName").asText("").isEmpty()) {
            immutable(e, spec.get("storageClassName"), oldSpec.get("storageClassName"),
                    FieldPath.of("spec", "storageClassName"));
        }
    }

    public static void persistentVolumeStatusUpdate(Errs e, ObjectNode pv, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, pv, old);
        String phase = e.str(pv.path("status"), "phase", FieldPath.of("status", "phase"));
        if (phase != null && !phase.isEmpty() && !PV_PHASES.contains(phase)) {
            e.notSupported(FieldPath.of("status", "phase"), phase, PV_PHASES);
        }
    }

    private static String volumeSource(Errs e, ObjectNode spec, FieldPath sp) {
        String found = null;
        for (String key : PV_SOURCES) {
            if (!ObjectNodes.has(spec, key)) {
                continue;
            }
            if (found != null) {
                e.forbidden(sp.child(key), "may not specify more than 1 volume type");
                continue;
            }
            found = key;
            FieldPath p = sp.child(key);
            ObjectNode src = e.object(spec, key, p);
            switch (key) {
                case "hostPath" -> {
                    String path = e.text(src, "path", p.child("path"));
                    if (path.isEmpty()) {
                        e.required(p.child("path"), "");
                    } else if (List.of(path.split("/")).contains("..")) {
                        e.invalid(p.child("path"), path, "must not contain '..'");
                    }
                    hostPathType(e, src, p.child("type"));
                }
                case "local" -> {
                    String path = e.text(src, "path", p.child("path"));
                    if (path.isEmpty()) {
                        e.required(p.child("path"), "");
                    } else if (List.of(path.split("/")).contains("..")) {
                        e.invalid(p.child("path"), path, "must not contain '..'");
                    }
                }
                case "nfs" -> {
                    if (e.text(src, "server", p.child("server")).isEmpty()) {
                        e.required(p.child("server"), "");
                    }
                    String path = e.text(src, "path", p.child("path"));
                    if (path.isEmpty()) {
                        e.required(p.child("path"), "");
                    } else if (!path.startsWith("/")) {
                        e.invalid(p.child("path"), path, "must be an absolute path");
                    }
                }
                case "csi" -> {
                    if (e.text(src, "driver", p.child("driver")).isEmpty()) {
                        e.required(p.child("driver"), "");
                    }
                    if (e.text(src, "volumeHandle", p.child("volumeHandle")).isEmpty()) {
                        e.required(p.child("volumeHandle"), "");
                    }
                }
                default -> {
                }
            }
        }
        if (found == null) {
            e.required(sp, "must specify a volume type");
        }
        return found;
    }

    /** The hostPath {@code type} of a pod volume or a PersistentVolume. */
    static void hostPathType(Errs e, ObjectNode hostPath, FieldPath p) {
        String type = e.str(hostPath, "type", p);
        if (type != null && !HOST_PATH_TYPES.contains(type)) {
            e.notSupported(p, type, HOST_PATH_TYPES);
        }
    }

    /** A PV's node affinity: required node selector terms, each a node selector; true when it has one. */
    private static boolean nodeAffinity(Errs e, ObjectNode spec, FieldPath p) {
        ObjectNode affinity = e.object(spec, "nodeAffinity", p);
        if (affinity == null) {
            return false;
        }
        ObjectNode required = e.object(affinity, "required", p.child("required"));
        if (required == null) {
            return false;
        }
        FieldPath tp = p.child("required").child("nodeSelectorTerms");
        List<ObjectNode> terms = e.objects(required, "nodeSelectorTerms", tp);
        if (terms.isEmpty()) {
            e.required(tp, "must have at least one node selector term");
        }
        for (int i = 0; i < terms.size(); i++) {
            List<ObjectNode> exprs = e.objects(terms.get(i), "matchExpressions", tp.index(i).child("matchExpressions"));
            for (int j = 0; j < exprs.size(); j++) {
                MetaValidation.selectorRequirement(e, exprs.get(j), tp.index(i).child("matchExpressions").index(j),
                        true, true);
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ PersistentVolumeClaim

    public static void persistentVolumeClaim(Errs e, ObjectNode pvc) {
        MetaValidation.objectMeta(e, pvc, true);
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = e.object(pvc, "spec", sp);
        accessModes(e, spec, sp.child("accessModes"), "at least 1 access mode is required");
        MetaValidation.labelSelector(e, e.object(spec, "selector", sp.child("selector")), sp.child("selector"));
        ObjectNode resources = e.object(spec, "resources", sp.child("resources"));
        ObjectNode requests = e.object(resources, "requests", sp.child("resources").child("requests"));
        FieldPath storage = sp.child("resources").key("storage");
        if (requests == null || !ObjectNodes.has(requests, "storage")) {
            e.required(storage, "");
        } else {
            positiveQuantity(e, requests.get("storage"), storage);
        }
        className(e, spec, sp);
        String mode = e.str(spec, "volumeMode", sp.child("volumeMode"));
        if (mode != null && !VOLUME_MODES.contains(mode)) {
            e.notSupported(sp.child("volumeMode"), mode, VOLUME_MODES);
        }
        String volumeName = e.str(spec, "volumeName", sp.child("volumeName"));
        if (volumeName != null && !volumeName.isEmpty()) {
            e.invalidEach(sp.child("volumeName"), volumeName, Formats.nameIsDnsSubdomain(volumeName, false));
        }
    }

    /**
     * ValidatePersistentVolumeClaimUpdate: the spec may change only by binding (volumeName set once) and, once the
     * claim is bound, by growing resources.requests.storage.
     */
    public static void persistentVolumeClaimUpdate(Errs e, ObjectNode pvc, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, pvc, old);
        persistentVolumeClaim(e, pvc);
        ObjectNode newSpec = pvc.path("spec").isObject() ? ((ObjectNode) pvc.get("spec")).deepCopy()
                : ObjectNodes.EMPTY.deepCopy();
        ObjectNode oldSpec = old.path("spec").isObject() ? ((ObjectNode) old.get("spec")).deepCopy()
                : ObjectNodes.EMPTY.deepCopy();
        if (oldSpec.path("volumeName").asText("").isEmpty()) {
            copy(oldSpec, newSpec, "volumeName");
        }
        boolean bound = "Bound".equals(old.path("status").path("phase").asText());
        if (bound) {
            Optional<BigDecimal> now = quantity(newSpec.at("/resources/requests/storage"));
            Optional<BigDecimal> before = quantity(oldSpec.at("/resources/requests/storage"));
            if (now.isPresent() && before.isPresent() && now.get().compareTo(before.get()) < 0) {
                e.forbidden(FieldPath.of("spec", "resources", "requests").key("storage"),
                        "field can not be less than previous value");
            }
            JsonNode requests = newSpec.at("/resources/requests");
            if (requests.isObject() && oldSpec.at("/resources/requests").isObject()) {
                ((ObjectNode) requests).set("storage", oldSpec.at("/resources/requests/storage").deepCopy());
            }
        }
        if (!MetaValidation.sameValue(newSpec, oldSpec)) {
            e.forbidden(FieldPath.of("spec"), "spec is immutable after creation except resources.requests and "
                    + "volumeAttributesClassName for bound claims");
        }
    }

    public static void persistentVolumeClaimStatusUpdate(Errs e, ObjectNode pvc, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, pvc, old);
        FieldPath p = FieldPath.of("status");
        JsonNode status = pvc.path("status");
        String phase = e.str(status, "phase", p.child("phase"));
        if (phase != null && !phase.isEmpty() && !PVC_PHASES.contains(phase)) {
            e.notSupported(p.child("phase"), phase, PVC_PHASES);
        }
        List<String> modes = e.strings(status, "accessModes", p.child("accessModes"));
        for (String m : modes) {
            if (!ACCESS_MODES.contains(m)) {
                e.notSupported(p.child("accessModes"), m, ACCESS_MODES);
            }
        }
        ObjectNode capacity = e.object(status, "capacity", p.child("capacity"));
        if (capacity != null && capacity.has("storage")) {
            PodValidation.quantity(e, capacity.get("storage"), p.child("capacity").key("storage"));
        }
    }

    // ------------------------------------------------------------------ StorageClass

    public static void storageClass(Errs e, ObjectNode sc) {
        MetaValidation.objectMeta(e, sc, false);
        String provisioner = e.text(sc, "provisioner", FieldPath.of("provisioner"));
        if (provisioner.isEmpty()) {
            e.required(FieldPath.of("provisioner"), "");
        } else {
            e.invalidEach(FieldPath.of("provisioner"), provisioner, Formats.qualifiedName(provisioner.toLowerCase()));
        }
        Map<String, String> parameters = e.stringMap(sc, "parameters", FieldPath.of("parameters"));
        if (parameters != null) {
            if (parameters.size() > MAX_PARAMETERS) {
                e.add(FieldError.tooLong(FieldPath.of("parameters"), MAX_PARAMETERS));
            }
            int bytes = 0;
            for (Map.Entry<String, String> p : parameters.entrySet()) {
                if (p.getKey().isEmpty()) {
                    e.invalid(FieldPath.of("parameters"), p.getKey(), "field can not be empty.");
                }
                bytes += Formats.bytes(p.getKey()) + Formats.bytes(p.getValue());
            }
            if (bytes > MAX_PARAMETERS_BYTES) {
                e.add(FieldError.tooLong(FieldPath.of("parameters"), MAX_PARAMETERS_BYTES));
            }
        }
        String reclaim = e.str(sc, "reclaimPolicy", FieldPath.of("reclaimPolicy"));
        if (reclaim != null && !SC_RECLAIM.contains(reclaim)) {
            e.notSupported(FieldPath.of("reclaimPolicy"), reclaim, SC_RECLAIM);
        }
        String mode = e.str(sc, "volumeBindingMode", FieldPath.of("volumeBindingMode"));
        if (mode == null) {
            e.required(FieldPath.of("volumeBindingMode"), "");
        } else if (!BINDING_MODES.contains(mode)) {
            e.notSupported(FieldPath.of("volumeBindingMode"), mode, BINDING_MODES);
        }
        e.bool(sc, "allowVolumeExpansion", FieldPath.of("allowVolumeExpansion"));
        e.strings(sc, "mountOptions", FieldPath.of("mountOptions"));
    }

    public static void storageClassUpdate(Errs e, ObjectNode sc, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, sc, old);
        storageClass(e, sc);
        if (!MetaValidation.sameValue(sc.get("parameters"), old.get("parameters"))) {
            e.forbidden(FieldPath.of("parameters"), "updates to parameters are forbidden.");
        }
        if (!sc.path("provisioner").asText("").equals(old.path("provisioner").asText(""))) {
            e.forbidden(FieldPath.of("provisioner"), "updates to provisioner are forbidden.");
        }
        if (!MetaValidation.sameValue(sc.get("reclaimPolicy"), old.get("reclaimPolicy"))) {
            e.forbidden(FieldPath.of("reclaimPolicy"), "updates to reclaimPolicy are forbidden.");
        }
        immutable(e, sc.get("volumeBindingMode"), old.get("volumeBindingMode"), FieldPath.of("volumeBindingMode"));
    }

    // ------------------------------------------------------------------ shared

    private static void accessModes(Errs e, ObjectNode spec, FieldPath p, String requiredMessage) {
        List<String> modes = e.strings(spec, "accessModes", p);
        if (modes.isEmpty()) {
            e.required(p, requiredMessage);
        }
        Set<String> distinct = new LinkedHashSet<>(modes);
        for (String m : distinct) {
            if (!ACCESS_MODES.contains(m)) {
                e.notSupported(p, m, ACCESS_MODES);
            }
        }
        if (distinct.contains("ReadWriteOncePod") && distinct.size() > 1) {
            e.forbidden(p, "may not use ReadWriteOncePod with other access modes");
        }
    }

    private static void className(Errs e, ObjectNode spec, FieldPath sp) {
        String cls = e.str(spec, "storageClassName", sp.child("storageClassName"));
        if (cls != null && !cls.isEmpty()) {
            e.invalidEach(sp.child("storageClassName"), cls, Formats.nameIsDnsSubdomain(cls, false));
        }
    }

    private static void positiveQuantity(Errs e, JsonNode value, FieldPath p) {
        PodValidation.quantity(e, value, p).ifPresent(q -> {
            if (q.signum() <= 0) {
                e.invalid(p, PodValidation.quantityText(value), "must be greater than zero");
            }
        });
    }

    private static Optional<BigDecimal> quantity(JsonNode value) {
        String text = PodValidation.quantityText(value);
        if (text == null) {
            return Optional.empty();
        }
        return dev.keelson.componentbase.api.Quantities.tryParse(text).map(q -> q.value());
    }

    private static void immutable(Errs e, JsonNode now, JsonNode before, FieldPath p) {
        if (!MetaValidation.sameValue(now, before)) {
            e.invalid(p, now == null || now.isNull() ? "null" : now.isTextual() ? now.textValue() : now.toString(),
                    "field is immutable");
        }
    }

    private static void copy(ObjectNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v == null) {
            to.remove(field);
        } else {
            to.set(field, v.deepCopy());
        }
    }
}
