package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which PersistentVolumes a node's agent may create and delete: those of Keelson's built-in local-path provisioner
 * (which runs in every kubelet, since only the node can make and remove the directory) pinned to that node alone, so
 * one node's credentials cannot make or remove another node's volumes or any static one.
 */
public final class LocalPathVolumes {
    public static final String PROVISIONER = "keelson.dev/local-path";

    private LocalPathVolumes() {
    }

    /** Provisioned by the local-path provisioner, with one node affinity term: kubernetes.io/hostname In [node]. */
    public static boolean ownedBy(JsonNode pv, String node) {
        if (pv == null || !PROVISIONER.equals(pv.path("metadata").path("annotations")
                .path("pv.kubernetes.io/provisioned-by").asText(null))) {
            return false;
        }
        JsonNode terms = pv.path("spec").path("nodeAffinity").path("required").path("nodeSelectorTerms");
        if (terms.size() != 1 || terms.get(0).path("matchExpressions").size() != 1
                || terms.get(0).path("matchFields").size() != 0) {
            return false;
        }
        JsonNode e = terms.get(0).path("matchExpressions").get(0);
        return "kubernetes.io/hostname".equals(e.path("key").asText()) && "In".equals(e.path("operator").asText())
                && e.path("values").size() == 1 && node.equals(e.path("values").get(0).asText());
    }
}
