package dev.keelson.apiserver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two discovery documents kubectl reads: the legacy resource list and aggregated discovery v2. */
class DiscoveryTest {
    private final Discovery discovery = new Discovery(
            Resources.builtIn(new PodStrategy(), new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767)),
            "127.0.0.1:6443");

    @Test
    void legacyResourceListNamesPodsWithShortNamesCategoriesAndSubresources() {
        JsonNode list = discovery.resourceList("", "v1", discovery.typesOf("", "v1"));
        JsonNode pods = byName(list.get("resources"), "name", "pods");
        assertEquals(List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                strings(pods.get("verbs")));
        assertEquals(List.of("po"), strings(pods.get("shortNames")));
        assertEquals(List.of("all"), strings(pods.get("categories")));
        JsonNode eviction = byName(list.get("resources"), "name", "pods/eviction");
        assertEquals("policy", eviction.get("group").asText());
        assertEquals(List.of("create"), strings(eviction.get("verbs")));
        JsonNode status = byName(list.get("resources"), "name", "pods/status");
        assertFalse(status.has("group"), "a subresource of the resource's own group names no group");
        JsonNode configMaps = byName(list.get("resources"), "name", "configmaps");
        assertFalse(configMaps.has("categories"), "types without categories leave the field out");
    }

    @Test
    void aggregatedDiscoveryNamesDeploymentsWithScaleSubresource() {
        JsonNode doc = discovery.aggregated(false, "v2");
        assertEquals("APIGroupDiscoveryList", doc.get("kind").asText());
        JsonNode apps = byName(doc.get("items"), "metadata", "apps");
        JsonNode deployments = byName(apps.get("versions").get(0).get("resources"), "resource", "deployments");
        assertEquals("Namespaced", deployments.get("scope").asText());
        assertEquals(List.of("deploy"), strings(deployments.get("shortNames")));
        assertTrue(strings(deployments.get("verbs")).contains("watch"));
        JsonNode scale = byName(deployments.get("subresources"), "subresource", "scale");
        assertEquals("Scale", scale.get("responseKind").get("kind").asText());
        assertEquals(List.of("get", "patch", "update"), strings(scale.get("verbs")));
    }

    private static JsonNode byName(JsonNode array, String field, String name) {
        for (JsonNode n : array) {
            JsonNode value = "metadata".equals(field) ? n.get("metadata").get("name") : n.get(field);
            if (value != null && name.equals(value.asText())) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
