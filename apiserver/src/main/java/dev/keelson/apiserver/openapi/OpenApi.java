package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;

/**
 * The OpenAPI v3 surface kubectl needs: the {@code /openapi/v3} index and one document per group-version, with
 * PATCH operations that declare {@code fieldValidation} (so apply/create/replace/edit validate server-side) and
 * component schemas generated from the fabric8 model (so {@code kubectl explain} works).
 */
public final class OpenApi {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A served resource; {@code subresources} like "status", "scale", "binding", "eviction", "log", "exec". */
    public record Resource(String group, String version, String kind, String plural, boolean namespaced,
                           Class<?> modelClass, List<String> subresources) {
        String groupVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        String pathKey() {
            return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
        }
    }

    private OpenApi() {
    }

    /** {@code GET /openapi/v3}: one entry per group-version, each URL carrying {@code hash}. */
    public static ObjectNode index(List<Resource> resources, String hash) {
        ObjectNode root = NODES.objectNode();
        ObjectNode paths = root.putObject("paths");
        for (Resource r : resources) {
            paths.putObject(r.pathKey()).put("serverRelativeURL", "/openapi/v3/" + r.pathKey() + "?hash=" + hash);
        }
        return root;
    }

    /**
     * {@code GET /openapi/v3/<api/v1|apis/g/v>}. PATCH bodies advertise JSON patch, merge patch and apply; strategic
     * merge is advertised only when {@code advertiseStrategicMerge}, because kubectl then computes client-side apply
     * patches from these schemas instead of its compiled-in types.
     */
    public static ObjectNode document(String groupVersion, List<Resource> resources, boolean advertiseStrategicMerge) {
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
        ObjectNode paths = doc.putObject("paths");
        SchemaGenerator schemas = new SchemaGenerator();
        for (Resource r : resources) {
            if (!r.groupVersion().equals(groupVersion)) {
                continue;
            }
            String kindRef = schemas.topLevel(r.modelClass(), r.group(), r.version(), r.kind());
            String prefix = "/" + r.pathKey();
            String collection = r.namespaced() ? prefix + "/namespaces/{namespace}/" + r.plural() : prefix + "/" + r.plural();
            String item = collection + "/{name}";
            ObjectNode gvk = gvk(r.group(), r.version(), r.kind());
            String status = schemas.ref(io.fabric8.kubernetes.api.model.Status.class);
            String deleteOptions = schemas.ref(io.fabric8.kubernetes.api.model.DeleteOptions.class);

            ObjectNode coll = paths.putObject(collection);
            pathParams(coll, r.namespaced(), false);
            coll.set("get", op("list" + r.kind(), "list", gvk, kindRef, List.of(), null, false));
            coll.set("post", op("create" + r.kind(), "post", gvk, kindRef, writeParams(), jsonBody(kindRef), false));
            coll.set("delete", op("deletecollection" + r.kind(), "deletecollection", gvk, status, List.of(),
                    jsonBody(deleteOptions), false));

            ObjectNode one = paths.putObject(item);
            pathParams(one, r.namespaced(), true);
            one.set("get", op("read" + r.kind(), "get", gvk, kindRef, List.of(), null, false));
            one.set("put", op("replace" + r.kind(), "put", gvk, kindRef, writeParams(), jsonBody(kindRef), false));
            one.set("patch", op("patch" + r.kind(), "patch", gvk, kindRef, patchParams(), patchBody(advertiseStrategicMerge),
                    false));
            one.set("delete", op("delete" + r.kind(), "delete", gvk, status, List.of("dryRun"), jsonBody(deleteOptions),
                    false));
            if (r.namespaced()) {
                ObjectNode all = paths.putObject(prefix + "/" + r.plural());
                all.set("get", op("list" + r.kind() + "ForAllNamespaces", "list", gvk, kindRef, List.of(), null, false));
            }
            for (String sub : r.subresources()) {
                subresource(paths, schemas, r, item, sub, kindRef, advertiseStrategicMerge);
            }
        }
        doc.putObject("components").set("schemas", schemas.schemas());
        return doc;
    }

    /** Same as {@link #document(String, List, boolean)} without advertising strategic merge patch. */
    public static ObjectNode document(String groupVersion, List<Resource> resources) {
        return document(groupVersion, resources, false);
    }

    private static void subresource(ObjectNode paths, SchemaGenerator schemas, Resource r, String item, String sub,
                                    String kindRef, boolean smp) {
        String suffix = Character.toUpperCase(sub.charAt(0)) + sub.substring(1);
        ObjectNode path = paths.putObject(item + "/" + sub);
        pathParams(path, r.namespaced(), true);
        switch (sub) {
            case "status" -> {
                ObjectNode gvk = gvk(r.group(), r.version(), r.kind());
                path.set("get", op("read" + r.kind() + suffix, "get", gvk, kindRef, List.of(), null, false));
                path.set("put", op("replace" + r.kind() + suffix, "put", gvk, kindRef, writeParams(), jsonBody(kindRef),
                        false));
                path.set("patch", op("patch" + r.kind() + suffix, "patch", gvk, kindRef, patchParams(), patchBody(smp),
                        false));
            }
            case "scale" -> {
                String scale = schemas.topLevel(io.fabric8.kubernetes.api.model.autoscaling.v1.Scale.class, "autoscaling",
                        "v1", "Scale");
                ObjectNode gvk = gvk("autoscaling", "v1", "Scale");
                path.set("get", op("read" + r.kind() + suffix, "get", gvk, scale, List.of(), null, false));
                path.set("put", op("replace" + r.kind() + suffix, "put", gvk, scale, writeParams(), jsonBody(scale),
                        false));
                path.set("patch", op("patch" + r.kind() + suffix, "patch", gvk, scale, patchParams(), patchBody(smp),
                        false));
            }
            case "eviction" -> {
                String eviction = schemas.topLevel(io.fabric8.kubernetes.api.model.policy.v1.Eviction.class, "policy",
                        "v1", "Eviction");
                path.set("post", op("create" + r.kind() + suffix, "post", gvk("policy", "v1", "Eviction"), eviction,
                        writeParams(), jsonBody(eviction), false));
            }
            case "binding" -> {
                String binding = schemas.topLevel(io.fabric8.kubernetes.api.model.Binding.class, "", "v1", "Binding");
                path.set("post", op("create" + r.kind() + suffix, "post", gvk("", "v1", "Binding"), binding,
                        writeParams(), jsonBody(binding), false));
            }
            default -> path.set("get", op("connect" + r.kind() + suffix, "connect", null, null, List.of(), null, true));
        }
    }

    static ObjectNode gvk(String group, String version, String kind) {
        ObjectNode gvk = NODES.objectNode();
        gvk.put("group", group).put("version", version).put("kind", kind);
        return gvk;
    }

    static void pathParams(ObjectNode path, boolean namespaced, boolean named) {
        ArrayNode params = path.putArray("parameters");
        if (named) {
            params.add(param("name", "path", "name of the resource", true));
        }
        if (namespaced) {
            params.add(param("namespace", "path", "object name and auth scope, such as for teams and projects", true));
        }
        params.add(param("pretty", "query", "If 'true', then the output is pretty printed.", false));
    }

    private static ObjectNode param(String name, String in, String description, boolean required) {
        ObjectNode p = NODES.objectNode();
        p.put("name", name).put("in", in).put("description", description);
        if (required) {
            p.put("required", true);
        }
        p.putObject("schema").put("type", "string").put("uniqueItems", true);
        return p;
    }

    static List<String> writeParams() {
        return List.of("dryRun", "fieldManager", "fieldValidation");
    }

    static List<String> patchParams() {
        return List.of("dryRun", "fieldManager", "fieldValidation", "force");
    }

    static ObjectNode op(String operationId, String action, ObjectNode gvk, String responseRef,
                                 List<String> queryParams, ObjectNode requestBody, boolean text) {
        ObjectNode op = NODES.objectNode();
        op.put("operationId", operationId);
        ArrayNode params = op.putArray("parameters");
        for (String q : queryParams) {
            ObjectNode p = params.addObject();
            p.put("name", q).put("in", "query").put("description", QUERY_DOCS.get(q));
            p.putObject("schema").put("type", q.equals("force") ? "boolean" : "string").put("uniqueItems", true);
        }
        if (requestBody != null) {
            op.set("requestBody", requestBody);
        }
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject("200");
        ok.put("description", "OK");
        ObjectNode content = ok.putObject("content");
        if (text) {
            content.putObject("*/*").putObject("schema").put("type", "string");
        } else if (responseRef != null) {
            for (String type : List.of("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")) {
                content.putObject(type).putObject("schema").put("$ref", responseRef);
            }
        }
        responses.putObject("401").put("description", "Unauthorized");
        op.put("x-kubernetes-action", action);
        if (gvk != null) {
            op.set("x-kubernetes-group-version-kind", gvk);
        }
        return op;
    }

    private static final java.util.Map<String, String> QUERY_DOCS = java.util.Map.of(
            "dryRun", "When present, indicates that modifications should not be persisted. Valid values are: All",
            "fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes.",
            "fieldValidation", "fieldValidation instructs the server on how to handle objects in the request "
                    + "containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict (default).",
            "force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields "
                    + "owned by other people.");

    static ObjectNode jsonBody(String ref) {
        ObjectNode body = NODES.objectNode();
        ObjectNode content = body.putObject("content");
        content.putObject("*/*").putObject("schema").put("$ref", ref);
        body.put("required", true);
        return body;
    }

    static ObjectNode patchBody(boolean smp) {
        ObjectNode body = NODES.objectNode();
        ObjectNode content = body.putObject("content");
        List<String> types = smp
                ? List.of("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json")
                : List.of("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json");
        for (String type : types) {
            content.putObject(type).putObject("schema").put("$ref",
                    "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        }
        body.put("required", true);
        return body;
    }

    /** The Kubernetes schema name of a fabric8 model class, e.g. {@code io.k8s.api.apps.v1.Deployment}. */
    public static String schemaName(Class<?> cls) {
        String pkg = cls.getPackageName();
        String base = "io.fabric8.kubernetes.api.model";
        if (pkg.equals(base)) {
            return (SchemaGenerator.META.contains(cls.getSimpleName()) ? "io.k8s.apimachinery.pkg.apis.meta.v1."
                    : "io.k8s.api.core.v1.") + cls.getSimpleName();
        }
        String rest = pkg.substring(Math.min(pkg.length(), base.length() + 1)).toLowerCase(Locale.ROOT);
        if (!rest.contains(".")) {
            rest = rest + ".v1";
        }
        return "io.k8s.api." + rest + "." + cls.getSimpleName();
    }
}
