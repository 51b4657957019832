package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.componentbase.api.Quantities;
import java.util.ArrayList;
import java.util.List;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for PersistentVolumes, PersistentVolumeClaims and StorageClasses (kubectl 1.32). */
public final class StoragePrinters {
    static final String DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";
    static final String BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class";

    private StoragePrinters() {
    }

    /** printPersistentVolume. */
    public static final TablePrinter PERSISTENT_VOLUMES = TablePrinter.of(List.of(
            nameCol(),
            col("Capacity", "string", "", 0, "capacity is the description of the persistent volume's resources and "
                    + "capacity."),
            col("Access Modes", "string", "", 0, "accessModes contains all ways the volume can be mounted."),
            col("Reclaim Policy", "string", "", 0, "persistentVolumeReclaimPolicy defines what happens to a persistent "
                    + "volume when released from its claim."),
            col("Status", "string", "", 0, "phase indicates if a volume is available, bound to a claim, or released "
                    + "by a claim."),
            col("Claim", "string", "", 0, "claimRef is part of a bi-directional binding between PersistentVolume and "
                    + "PersistentVolumeClaim."),
            col("StorageClass", "string", "", 0, "StorageClass of the pv"),
            col("VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pv"),
            col("Reason", "string", "", 0, "reason is a brief CamelCase string that describes any failure and is meant "
                    + "for machine parsing and tidy display in the CLI."),
            ageCol(),
            col("VolumeMode", "string", "", 1, "volumeMode defines if a volume is intended to be used with a formatted "
                    + "filesystem or to remain in raw block state.")),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                JsonNode ref = spec.path("claimRef");
                String claim = ref.isObject() ? ref.path("namespace").asText("") + "/" + ref.path("name").asText("") : "";
                return List.of(name(o), quantity(spec.path("capacity").get("storage")),
                        accessModes(spec.path("accessModes")), spec.path("persistentVolumeReclaimPolicy").asText(""),
                        phase(o), claim, pvClass(o), unsetOr(spec.get("volumeAttributesClassName")),
                        o.path("status").path("reason").asText(""), age(o, now), unsetOr(spec.get("volumeMode")));
            });

    /** printPersistentVolumeClaim: capacity and access modes come from the status once a volume is named. */
    public static final TablePrinter PERSISTENT_VOLUME_CLAIMS = TablePrinter.of(List.of(
            nameCol(),
            col("Status", "string", "", 0, "phase represents the current phase of PersistentVolumeClaim."),
            col("Volume", "string", "", 0, "volumeName is the binding reference to the PersistentVolume backing this "
                    + "claim."),
            col("Capacity", "string", "", 0, "capacity represents the actual resources of the underlying volume."),
            col("Access Modes", "string", "", 0, "accessModes contains the actual access modes the volume backing the "
                    + "PVC has."),
            col("StorageClass", "string", "", 0, "StorageClass of the pvc"),
            col("VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pvc"),
            ageCol(),
            col("VolumeMode", "string", "", 1, "volumeMode defines what type of volume is required by the claim.")),
            (o, now) -> {
                JsonNode spec = o.path("spec");
                String volume = spec.path("volumeName").asText("");
                String capacity = "";
                String modes = "";
                if (!volume.isEmpty()) {
                    modes = accessModes(o.path("status").path("accessModes"));
                    capacity = quantity(o.path("status").path("capacity").get("storage"));
                }
                return List.of(name(o), phase(o), volume, capacity, modes, pvcClass(o),
                        unsetOr(spec.get("volumeAttributesClassName")), age(o, now), unsetOr(spec.get("volumeMode")));
            });

    /** printStorageClass: "(default)" after the name of a default class. */
    public static final TablePrinter STORAGE_CLASSES = TablePrinter.of(List.of(
            nameCol(),
            col("Provisioner", "string", "", 0, "provisioner indicates the type of the provisioner."),
            col("ReclaimPolicy", "string", "", 0, "reclaimPolicy controls the reclaimPolicy for dynamically "
                    + "provisioned PersistentVolumes of this storage class. Defaults to Delete."),
            col("VolumeBindingMode", "string", "", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be "
                    + "provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored "
                    + "by servers that enable the VolumeScheduling feature."),
            col("AllowVolumeExpansion", "string", "", 0, "allowVolumeExpansion shows whether the storage class allow "
                    + "volume expand."),
            ageCol()),
            (o, now) -> {
                String n = name(o);
                if (isDefaultClass(o)) {
                    n += " (default)";
                }
                String reclaim = o.path("reclaimPolicy").asText("");
                String mode = o.path("volumeBindingMode").asText("");
                return List.of(n, o.path("provisioner").asText(""), reclaim.isEmpty() ? "Delete" : reclaim,
                        mode.isEmpty() ? "Immediate" : mode,
                        Boolean.toString(o.path("allowVolumeExpansion").asBoolean(false)), age(o, now));
            });

    /** storageutil.IsDefaultAnnotation: the GA or the beta annotation is "true". */
    public static boolean isDefaultClass(JsonNode sc) {
        JsonNode ann = sc.path("metadata").path("annotations");
        return "true".equals(ann.path(DEFAULT_CLASS).asText(null)) || "true".equals(ann.path(BETA_DEFAULT_CLASS)
                .asText(null));
    }

    /** helper.GetAccessModesAsString: the short names in Kubernetes' fixed order, each once. */
    static String accessModes(JsonNode modes) {
        List<String> have = new ArrayList<>();
        modes.forEach(m -> have.add(m.asText()));
        List<String> out = new ArrayList<>();
        if (have.contains("ReadWriteOnce")) {
            out.add("RWO");
        }
        if (have.contains("ReadOnlyMany")) {
            out.add("ROX");
        }
        if (have.contains("ReadWriteMany")) {
            out.add("RWX");
        }
        if (have.contains("ReadWriteOncePod")) {
            out.add("RWOP");
        }
        return String.join(",", out);
    }

    private static String phase(JsonNode o) {
        JsonNode deletion = o.path("metadata").path("deletionTimestamp");
        if (!deletion.isMissingNode() && !deletion.isNull()) {
            return "Terminating";
        }
        return o.path("status").path("phase").asText("");
    }

    /** GetPersistentVolumeClass: the beta annotation wins over the field. */
    private static String pvClass(JsonNode o) {
        JsonNode ann = o.path("metadata").path("annotations").get("volume.beta.kubernetes.io/storage-class");
        return ann != null && ann.isTextual() ? ann.textValue() : o.path("spec").path("storageClassName").asText("");
    }

    private static String pvcClass(JsonNode o) {
        return pvClass(o);
    }

    private static String unsetOr(JsonNode v) {
        return v == null || v.isNull() ? "<unset>" : v.asText();
    }

    /** Quantity.String(); an absent quantity prints as 0, as Go's zero Quantity. */
    private static String quantity(JsonNode q) {
        if (q == null || q.isNull()) {
            return "0";
        }
        String text = q.asText();
        return Quantities.tryParse(text).map(Quantities.Quantity::canonical).orElse(text);
    }
}
