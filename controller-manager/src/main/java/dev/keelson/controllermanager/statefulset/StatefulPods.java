package dev.keelson.controllermanager.statefulset;

import dev.keelson.controllermanager.common.ControllerHistory;
import dev.keelson.controllermanager.common.PodControl;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A StatefulSet pod's identity as Kubernetes' stateful_set_utils gives it: the name {@code SET-ORDINAL}, hostname
 * and subdomain (the governing Service), the pod-name and pod-index labels, the revision label, and one
 * PersistentVolumeClaim per claim template named {@code TEMPLATE-SET-ORDINAL} mounted as the template's volume.
 */
public final class StatefulPods {
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
    private static final Pattern ORDINAL = Pattern.compile("(.*)-([0-9]+)$");

    private StatefulPods() {
    }

    /** getParentNameAndOrdinal: -1 when the pod's name is not PARENT-N. */
    public static int ordinal(Pod pod, StatefulSet set) {
        Matcher m = ORDINAL.matcher(pod.getMetadata().getName());
        if (!m.matches() || !m.group(1).equals(set.getMetadata().getName())) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static String podName(StatefulSet set, int ordinal) {
        return set.getMetadata().getName() + "-" + ordinal;
    }

    public static String claimName(String template, StatefulSet set, int ordinal) {
        return template + "-" + podName(set, ordinal);
    }

    /** newVersionedStatefulSetPod: the pod of {@code ordinal} from {@code template}, labelled with its revision. */
    public static Pod newPod(StatefulSet set, PodTemplateSpec template, String revision, int ordinal) {
        Pod pod = PodControl.fromTemplate(template, set);
        String name = podName(set, ordinal);
        ObjectMeta meta = pod.getMetadata();
        meta.setGenerateName(null);
        meta.setName(name);
        Map<String, String> labels = new HashMap<>(meta.getLabels());
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(ControllerHistory.HASH_LABEL, revision);
        meta.setLabels(labels);
        pod.getSpec().setHostname(name);
        String service = set.getSpec().getServiceName();
        if (service != null && !service.isEmpty()) {
            pod.getSpec().setSubdomain(service);
        }
        List<Volume> volumes = pod.getSpec().getVolumes() == null ? new ArrayList<>()
                : new ArrayList<>(pod.getSpec().getVolumes());
        for (PersistentVolumeClaim claim : templates(set)) {
            String volume = claim.getMetadata().getName();
            volumes.removeIf(v -> volume.equals(v.getName()));
            Volume v = new Volume();
            v.setName(volume);
            v.setPersistentVolumeClaim(new PersistentVolumeClaimVolumeSource(claimName(volume, set, ordinal), false));
            volumes.add(v);
        }
        pod.getSpec().setVolumes(volumes.isEmpty() ? null : volumes);
        return pod;
    }

    static List<PersistentVolumeClaim> templates(StatefulSet set) {
        return set.getSpec().getVolumeClaimTemplates() == null ? List.of() : set.getSpec().getVolumeClaimTemplates();
    }

    /** getPersistentVolumeClaims: the claims of {@code ordinal}, labelled with the set's selector labels. */
    public static List<PersistentVolumeClaim> claims(StatefulSet set, int ordinal) {
        List<PersistentVolumeClaim> out = new ArrayList<>();
        for (PersistentVolumeClaim t : templates(set)) {
            PersistentVolumeClaim c = new PersistentVolumeClaim();
            ObjectMeta meta = new ObjectMeta();
            meta.setName(claimName(t.getMetadata().getName(), set, ordinal));
            meta.setNamespace(set.getMetadata().getNamespace());
            Map<String, String> labels = new HashMap<>();
            if (t.getMetadata().getLabels() != null) {
                labels.putAll(t.getMetadata().getLabels());
            }
            if (set.getSpec().getSelector() != null && set.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(set.getSpec().getSelector().getMatchLabels());
            }
            meta.setLabels(labels);
            meta.setAnnotations(t.getMetadata().getAnnotations());
            c.setMetadata(meta);
            c.setSpec(t.getSpec());
            out.add(c);
        }
        return out;
    }
}
