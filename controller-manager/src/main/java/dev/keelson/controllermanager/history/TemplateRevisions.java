package dev.keelson.controllermanager.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.controllermanager.common.ControllerHistory;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The revisions of a DaemonSet's or StatefulSet's pod template, as their controllers' constructHistory keeps them: the
 * data of a revision is the strategic merge patch {@code {"spec":{"template":{..., "$patch":"replace"}}}} that
 * {@code kubectl rollout undo} applies; the revision matching the current template is created when missing (with the
 * owner's annotations, for change-cause) or renumbered to be the newest; duplicates are removed.
 */
public final class TemplateRevisions {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TemplateRevisions() {
    }

    /** The current revision and the others the owner controls. */
    public record History(ControllerRevision current, List<ControllerRevision> old) {
        /** Every owned revision, current included. */
        public List<ControllerRevision> all() {
            List<ControllerRevision> out = new ArrayList<>(old);
            out.add(current);
            return out;
        }
    }

    /** getPatch: the template as a replacing strategic merge patch. */
    public static ObjectNode patchOf(PodTemplateSpec template) {
        ObjectNode t = MAPPER.valueToTree(template);
        t.put("$patch", "replace");
        ObjectNode patch = MAPPER.createObjectNode();
        patch.putObject("spec").set("template", t);
        return patch;
    }

    /** The template a revision holds (ApplyRevision's result for spec.template). */
    public static PodTemplateSpec templateOf(ControllerRevision revision) {
        JsonNode data = MAPPER.valueToTree(revision.getData());
        ObjectNode t = data.path("spec").path("template").deepCopy();
        t.remove("$patch");
        return MAPPER.convertValue(t, PodTemplateSpec.class);
    }

    /**
     * constructHistory: claims the owner's revisions, finds (or creates) the one matching {@code template} and makes
     * it the newest; {@code collisionCount[0]} is raised on a name clash.
     */
    public static History construct(KubernetesClient client, ControllerHistory history, HasMetadata owner,
                                     LabelSelector selector, PodTemplateSpec template,
                                     SharedIndexInformer<ControllerRevision> revisions, int[] collisionCount) {
        ControllerRefManager<ControllerRevision> refs = ControllerRefManager.forSelector(client, owner, selector,
                ControllerRefManager.liveRead(client, owner));
        List<ControllerRevision> owned = refs.claim(revisions.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                owner.getMetadata().getNamespace()));
        JsonNode wanted = patchOf(template);
        List<ControllerRevision> current = new ArrayList<>();
        List<ControllerRevision> old = new ArrayList<>();
        for (ControllerRevision r : owned) {
            (Semantic.equal(MAPPER.valueToTree(r.getData()), wanted) ? current : old).add(r);
        }
        long next = ControllerHistory.maxRevision(old) + 1;
        ControllerRevision cur;
        if (current.isEmpty()) {
            Map<String, String> labels = template.getMetadata() == null ? Map.of() : template.getMetadata().getLabels();
            ControllerRevision fresh = ControllerHistory.newRevision(owner, labels, wanted, next, collisionCount[0]);
            fresh.getMetadata().setAnnotations(owner.getMetadata().getAnnotations() == null ? null
                    : new HashMap<>(owner.getMetadata().getAnnotations()));
            cur = history.create(owner, fresh, collisionCount);
        } else {
            current.sort(ControllerHistory.BY_REVISION);
            cur = current.get(current.size() - 1);
            for (ControllerRevision dup : current.subList(0, current.size() - 1)) {
                client.apps().controllerRevisions().inNamespace(dup.getMetadata().getNamespace())
                        .withName(dup.getMetadata().getName()).delete();
            }
            if (cur.getRevision() == null || cur.getRevision() < next) {
                ControllerRevision copy = client.getKubernetesSerialization().clone(cur);
                copy.setRevision(next);
                cur = client.apps().controllerRevisions().inNamespace(copy.getMetadata().getNamespace())
                        .resource(copy).update();
            }
        }
        return new History(cur, old);
    }

    /** cleanupHistory: the old revisions not in {@code live}, beyond {@code limit}, deleted oldest first. */
    public static void cleanup(ControllerHistory history, History h, Set<String> liveNames, Integer limit) {
        Set<String> live = new HashSet<>(liveNames);
        live.add(h.current().getMetadata().getName());
        history.truncate(h.old(), live, limit == null ? 10 : limit);
    }
}
