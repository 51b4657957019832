package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Kubernetes' defaults.go for PersistentVolumes, PersistentVolumeClaims and StorageClasses. */
public final class StorageDefaults {
    private StorageDefaults() {
    }

    /** SetDefaults_PersistentVolume: reclaim Retain, volumeMode Filesystem; hostPath type "". */
    public static void persistentVolume(ObjectNode pv) {
        if (!(pv.get("spec") instanceof ObjectNode spec)) {
            return;
        }
        putIfAbsent(spec, "persistentVolumeReclaimPolicy", "Retain");
        putIfAbsent(spec, "volumeMode", "Filesystem");
        if (spec.get("hostPath") instanceof ObjectNode hostPath) {
            putIfAbsent(hostPath, "type", "");
        }
    }

    /** SetDefaults_PersistentVolumeClaim: volumeMode Filesystem. */
    public static void persistentVolumeClaim(ObjectNode pvc) {
        if (pvc.get("spec") instanceof ObjectNode spec) {
            putIfAbsent(spec, "volumeMode", "Filesystem");
        }
    }

    /** storage/v1 SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
    public static void storageClass(ObjectNode sc) {
        putIfAbsent(sc, "reclaimPolicy", "Delete");
        putIfAbsent(sc, "volumeBindingMode", "Immediate");
    }

    private static void putIfAbsent(ObjectNode o, String field, String value) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            o.put(field, value);
        }
    }
}
