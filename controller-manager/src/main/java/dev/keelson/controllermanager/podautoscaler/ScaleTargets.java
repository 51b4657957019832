package dev.keelson.controllermanager.podautoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code scale} subresource of any kind an autoscaler targets (Deployments, ReplicaSets, StatefulSets, custom
 * resources with a scale subresource): its resource name found once by discovery of the reference's apiVersion, then
 * GET and PUT of autoscaling/v1 Scale, as Kubernetes' scale client does.
 */
final class ScaleTargets {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why a scale could not be read or written, with the apiserver's message. */
    static final class ScaleException extends Exception {
        ScaleException(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final Map<String, String> plurals = new ConcurrentHashMap<>();

    ScaleTargets(KubernetesClient client) {
        this.client = client;
    }

    /** The scale's path, e.g. /apis/apps/v1/namespaces/ns/deployments/web/scale. */
    String path(String namespace, CrossVersionObjectReference ref) throws ScaleException {
        String apiVersion = ref.getApiVersion() == null || ref.getApiVersion().isEmpty() ? "v1" : ref.getApiVersion();
        String key = apiVersion + "/" + ref.getKind();
        String plural = plurals.get(key);
        if (plural == null) {
            APIResourceList list;
            try {
                list = client.getApiResources(apiVersion);
            } catch (KubernetesClientException e) {
                throw new ScaleException("unable to get the resources of " + apiVersion + ": " + e.getMessage());
            }
            if (list != null) {
                for (APIResource r : list.getResources()) {
                    if (ref.getKind().equals(r.getKind()) && !r.getName().contains("/")) {
                        plural = r.getName();
                    }
                }
            }
            if (plural == null) {
                throw new ScaleException("no matches for kind \"" + ref.getKind() + "\" in group \""
                        + (apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "") + "\"");
            }
            plurals.put(key, plural);
        }
        return (apiVersion.contains("/") ? "/apis/" : "/api/") + apiVersion + "/namespaces/" + namespace + "/" + plural
                + "/" + ref.getName() + "/scale";
    }

    ObjectNode get(String path, CrossVersionObjectReference ref) throws ScaleException {
        String body;
        try {
            body = client.raw(url(path));
        } catch (KubernetesClientException e) {
            throw new ScaleException(message(e));
        }
        if (body == null) {
            String plural = path.substring(0, path.lastIndexOf("/" + ref.getName() + "/scale"));
            plural = plural.substring(plural.lastIndexOf('/') + 1);
            String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
            String group = apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            throw new ScaleException(plural + group + " \"" + ref.getName() + "\" not found");
        }
        try {
            return (ObjectNode) JSON.readTree(body);
        } catch (IOException | ClassCastException e) {
            throw new ScaleException("the scale of " + ref.getKind() + "/" + ref.getName() + " could not be decoded");
        }
    }

    void update(String path, ObjectNode scale, int replicas) throws ScaleException {
        ObjectNode copy = scale.deepCopy();
        copy.with("spec").put("replicas", replicas);
        try {
            client.raw(url(path), "PUT", copy);
        } catch (KubernetesClientException e) {
            throw new ScaleException(message(e));
        }
    }

    private String url(String path) {
        String master = client.getConfiguration().getMasterUrl();
        return (master.endsWith("/") ? master.substring(0, master.length() - 1) : master) + path;
    }

    private static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }

    static String selector(ObjectNode scale) {
        JsonNode s = scale.path("status").path("selector");
        return s.isTextual() ? s.asText() : "";
    }
}
