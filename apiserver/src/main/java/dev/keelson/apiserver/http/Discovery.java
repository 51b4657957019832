package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.apiextensions.VersionPriority;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * /api, /apis (aggregated apidiscovery.k8s.io/v2 when the client asks for it, legacy otherwise), /apis/{group}
 * and the per-group-version resource lists, all generated from the resource catalogue.
 */
public final class Discovery {
    static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private final Resources resources;
    private final String serverAddress;
    /** Groups served by code of their own rather than the resource catalogue (metrics.k8s.io): legacy, aggregated. */
    private final List<ObjectNode[]> staticGroups = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Discovery(Resources resources, String serverAddress) {
        this.resources = resources;
        this.serverAddress = serverAddress;
    }

    /** Lists a group served outside the catalogue in /apis, as {@code apiGroup} (legacy) and {@code aggregatedItem}. */
    public void addStaticGroup(ObjectNode apiGroup, ObjectNode aggregatedItem) {
        staticGroups.add(new ObjectNode[] {apiGroup, aggregatedItem});
    }

    /** A subresource's discovery facts. */
    record Sub(String name, String group, String version, String kind, List<String> verbs) {}

    static Sub subresource(ResourceType t, String name) {
        return switch (name) {
            case "status", "approval" -> new Sub(name, t.group(), t.version(), t.kind(), List.of("get", "patch", "update"));
            case "scale" -> new Sub(name, "autoscaling", "v1", "Scale", List.of("get", "patch", "update"));
            case "binding" -> new Sub(name, "", "v1", "Binding", List.of("create"));
            case "eviction" -> new Sub(name, "policy", "v1", "Eviction", List.of("create"));
            case "log" -> new Sub(name, "", "v1", "Pod", List.of("get"));
            case "exec" -> new Sub(name, "", "v1", "PodExecOptions", List.of("create", "get"));
            case "finalize" -> new Sub(name, "", "v1", "Namespace", List.of("update"));
            case "token" -> new Sub(name, "authentication.k8s.io", "v1", "TokenRequest", List.of("create"));
            default -> new Sub(name, t.group(), t.version(), t.kind(), List.of("get"));
        };
    }

    void serve(HttpServerRequest req, String[] seg) {
        String accept = req.getHeader("Accept") == null ? "" : req.getHeader("Accept");
        boolean v2 = accept.contains("as=APIGroupDiscoveryList") && accept.contains("v=v2") && !onlyBeta(accept);
        boolean v2beta1 = accept.contains("as=APIGroupDiscoveryList") && accept.contains("v=v2beta1");
        if ("api".equals(seg[0]) && seg.length == 1) {
            if (v2 || v2beta1) {
                sendAggregated(req, aggregated(true, v2 ? "v2" : "v2beta1"), v2);
            } else {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("kind", "APIVersions");
                o.putArray("versions").add("v1");
                ObjectNode addr = o.putArray("serverAddressByClientCIDRs").addObject();
                addr.put("clientCIDR", "0.0.0.0/0");
                addr.put("serverAddress", serverAddress);
                ApiHandler.sendJson(req, 200, o);
            }
            return;
        }
        if ("apis".equals(seg[0]) && seg.length == 1) {
            if (v2 || v2beta1) {
                sendAggregated(req, aggregated(false, v2 ? "v2" : "v2beta1"), v2);
            } else {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("kind", "APIGroupList");
                o.put("apiVersion", "v1");
                ArrayNode groups = o.putArray("groups");
                for (String g : groups()) {
                    groups.add(apiGroup(g));
                }
                staticGroups.forEach(g -> groups.add(g[0].deepCopy()));
                ApiHandler.sendJson(req, 200, o);
            }
            return;
        }
        if ("apis".equals(seg[0]) && seg.length == 2) {
            if (!groups().contains(seg[1])) {
                throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
            }
            ObjectNode g = apiGroup(seg[1]);
            g.put("kind", "APIGroup");
            g.put("apiVersion", "v1");
            ApiHandler.sendJson(req, 200, g);
            return;
        }
        String group = "api".equals(seg[0]) ? "" : seg[1];
        String version = "api".equals(seg[0]) ? seg[1] : seg[2];
        List<ResourceType> types = typesOf(group, version);
        if (types.isEmpty()) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        ApiHandler.sendJson(req, 200, resourceList(group, version, types));
    }

    private static boolean onlyBeta(String accept) {
        return accept.contains("v=v2beta1") && !accept.replace("v=v2beta1", "").contains("v=v2");
    }

    private void sendAggregated(HttpServerRequest req, ObjectNode body, boolean v2) {
        req.response().setStatusCode(200).putHeader("Content-Type", v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1)
                .end(Json.text(body) + "\n");
    }

    List<String> groups() {
        List<String> out = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (!t.group().isEmpty() && !out.contains(t.group())) {
                out.add(t.group());
            }
        }
        return out;
    }

    List<ResourceType> typesOf(String group, String version) {
        List<ResourceType> out = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (t.group().equals(group) && t.version().equals(version)) {
                out.add(t);
            }
        }
        return out;
    }

    /** A group's served versions, preferred first (Kubernetes' version priority). */
    List<String> versionsOf(String group) {
        List<String> out = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (t.group().equals(group) && !out.contains(t.version())) {
                out.add(t.version());
            }
        }
        out.sort(VersionPriority.ORDER);
        return out;
    }

    private ObjectNode apiGroup(String group) {
        ObjectNode g = Json.MAPPER.createObjectNode();
        g.put("name", group);
        ArrayNode versions = g.putArray("versions");
        List<String> served = versionsOf(group);
        for (String v : served) {
            versions.addObject().put("groupVersion", group + "/" + v).put("version", v);
        }
        ObjectNode pref = g.putObject("preferredVersion");
        pref.put("groupVersion", group + "/" + served.get(0));
        pref.put("version", served.get(0));
        return g;
    }

    ObjectNode resourceList(String group, String version, List<ResourceType> types) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode arr = o.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = arr.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            putNames(r, t);
            r.put("storageVersionHash", Integer.toHexString(t.kind().hashCode()));
            for (String sub : t.subresources().stream().sorted().toList()) {
                Sub s = subresource(t, sub);
                ObjectNode sr = arr.addObject();
                sr.put("name", t.plural() + "/" + sub);
                sr.put("singularName", "");
                sr.put("namespaced", t.namespaced());
                if (!s.group().equals(t.group()) || !s.version().equals(t.version())) {
                    sr.put("group", s.group());
                    sr.put("version", s.version());
                }
                sr.put("kind", s.kind());
                putStrings(sr, "verbs", s.verbs());
            }
        }
        return o;
    }

    ObjectNode aggregated(boolean core, String version) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIGroupDiscoveryList");
        o.put("apiVersion", "apidiscovery.k8s.io/" + version);
        o.putObject("metadata");
        ArrayNode items = o.putArray("items");
        List<String> groups = core ? List.of("") : groups();
        for (String g : groups) {
            ObjectNode item = items.addObject();
            item.putObject("metadata").put("name", g);
            ArrayNode versions = item.putArray("versions");
            for (String v : core ? List.of("v1") : versionsOf(g)) {
                aggregatedVersion(versions.addObject(), g, v);
            }
        }
        if (!core) {
            staticGroups.forEach(g -> items.add(g[1].deepCopy()));
        }
        return o;
    }

    private void aggregatedVersion(ObjectNode ver, String g, String v) {
        ver.put("version", v);
        ver.put("freshness", "Current");
        ArrayNode res = ver.putArray("resources");
        for (ResourceType t : typesOf(g, v)) {
            ObjectNode r = res.addObject();
            r.put("resource", t.plural());
            ObjectNode rk = r.putObject("responseKind");
            rk.put("group", t.group());
            rk.put("version", t.version());
            rk.put("kind", t.kind());
            r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
            r.put("singularResource", t.singular());
            putNames(r, t);
            if (!t.subresources().isEmpty()) {
                ArrayNode subs = r.putArray("subresources");
                for (String sub : t.subresources().stream().sorted().toList()) {
                    Sub s = subresource(t, sub);
                    ObjectNode sr = subs.addObject();
                    sr.put("subresource", sub);
                    ObjectNode sk = sr.putObject("responseKind");
                    sk.put("group", s.group());
                    sk.put("version", s.version());
                    sk.put("kind", s.kind());
                    putStrings(sr, "verbs", s.verbs());
                }
            }
        }
    }

    /** Verbs always; short names and categories only when the type has some (both discovery formats omit them). */
    private static void putNames(ObjectNode resource, ResourceType t) {
        putStrings(resource, "verbs", t.verbs());
        if (!t.shortNames().isEmpty()) {
            putStrings(resource, "shortNames", t.shortNames());
        }
        if (!t.categories().isEmpty()) {
            putStrings(resource, "categories", t.categories());
        }
    }

    private static void putStrings(ObjectNode o, String field, Collection<String> values) {
        ArrayNode array = o.putArray(field);
        values.forEach(array::add);
    }
}
