package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import java.util.Map;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.CompletableFuture;

/**
 * pods/log and pods/exec: the apiserver finds the pod's node and its kubelet endpoint and proxies the request
 * to the kubelet, as kube-apiserver does.
 */
public final class KubeletProxy {
    private final Resources resources;
    private final Map<ResourceType, GenericStore> stores;

    public KubeletProxy(Resources resources, Map<ResourceType, GenericStore> stores) {
        this.resources = resources;
        this.stores = stores;
    }

    /** The kubelet that runs a pod: its address and port. */
    record Target(String host, int port, String container, ObjectNode pod) {}

    CompletableFuture<Target> target(ApiRequest api, GenericStore pods, String container) {
        return pods.get(api.namespace(), api.name()).thenCompose(pod -> {
            String node = pod.path("spec").path("nodeName").asText("");
            if (node.isEmpty()) {
                throw ApiException.badRequest("pod " + api.name() + " does not have a host assigned");
            }
            String c = container;
            if (c == null || c.isEmpty()) {
                JsonNode containers = pod.path("spec").path("containers");
                if (containers.size() != 1) {
                    String def = pod.path("metadata").path("annotations").path("kubectl.kubernetes.io/default-container")
                            .asText("");
                    if (def.isEmpty()) {
                        throw ApiException.badRequest("a container name must be specified for pod " + api.name());
                    }
                    c = def;
                } else {
                    c = containers.get(0).path("name").asText();
                }
            }
            String containerName = c;
            GenericStore nodes = stores.get(resources.find("", "v1", "nodes"));
            return nodes.get(null, node).thenApply(n -> {
                String ip = null;
                for (JsonNode a : n.path("status").path("addresses")) {
                    if ("InternalIP".equals(a.path("type").asText())) {
                        ip = a.path("address").asText();
                    }
                }
                int port = n.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
                if (ip == null || port == 0) {
                    throw ApiException.serviceUnavailable("node " + node + " has no kubelet endpoint registered");
                }
                return new Target(ip, port, containerName, pod);
            });
        });
    }

    void logs(HttpServerRequest req, ApiRequest api, GenericStore pods, ApiHandler http) {
        throw ApiException.serviceUnavailable("pods/log is not yet served: no kubelet connection is available");
    }

    void exec(HttpServerRequest req, ApiRequest api, GenericStore pods, ApiHandler http) {
        throw ApiException.serviceUnavailable("pods/exec is not yet served: no kubelet connection is available");
    }
}
