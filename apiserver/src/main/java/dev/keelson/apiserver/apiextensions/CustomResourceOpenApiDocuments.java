package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.http.OpenApiService;
import dev.keelson.apiserver.openapi.CustomResourceOpenApi;
import dev.keelson.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The /openapi/v3 documents of the served custom resource group-versions, rebuilt when a definition is served or
 * dropped; each document's hash (in the index URL kubectl caches by) is that of its text.
 */
public final class CustomResourceOpenApiDocuments implements OpenApiService.Extension {
    private final Map<String, List<CustomResourceOpenApi.Kind>> byDefinition = new ConcurrentHashMap<>();
    private volatile Map<String, String> documents = Map.of();

    synchronized void update(String definition, ObjectNode crd, List<ResourceType> types) {
        List<CustomResourceOpenApi.Kind> kinds = new ArrayList<>();
        for (ResourceType t : types) {
            JsonNode schema = null;
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals(t.version())) {
                    schema = v.path("schema").get("openAPIV3Schema");
                }
            }
            kinds.add(new CustomResourceOpenApi.Kind(t.group(), t.version(), t.kind(), t.plural(), t.namespaced(),
                    t.subresources().stream().sorted().toList(), schema instanceof ObjectNode o ? o : null));
        }
        byDefinition.put(definition, kinds);
        rebuild();
    }

    synchronized void remove(String definition) {
        byDefinition.remove(definition);
        rebuild();
    }

    private void rebuild() {
        Map<String, List<CustomResourceOpenApi.Kind>> byGroupVersion = new TreeMap<>();
        byDefinition.values().forEach(kinds -> kinds.forEach(k ->
                byGroupVersion.computeIfAbsent(k.group() + "/" + k.version(), x -> new ArrayList<>()).add(k)));
        Map<String, String> docs = new TreeMap<>();
        byGroupVersion.forEach((gv, kinds) -> docs.put(gv, Json.text(CustomResourceOpenApi.document(gv, kinds))));
        documents = Map.copyOf(docs);
    }

    @Override
    public Map<String, String> groupVersions() {
        Map<String, String> out = new TreeMap<>();
        documents.forEach((gv, doc) -> out.put(gv, String.format("%08X", doc.hashCode())));
        return out;
    }

    @Override
    public String document(String groupVersion) {
        return documents.get(groupVersion);
    }
}
