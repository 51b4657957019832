package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAPI v3 document of a custom resource group-version, as kube-apiserver's CRD OpenAPI builder makes it: each
 * kind's schema is its CRD version's {@code openAPIV3Schema} (descriptions and all, so {@code kubectl explain} shows
 * them) named {@code <reversed group>.<version>.<Kind>}, with the standard apiVersion, kind and metadata fields, a
 * List schema, and the paths of its verbs. PATCH advertises JSON, merge and apply patches (no strategic merge).
 */
public final class CustomResourceOpenApi {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PREFIX = "#/components/schemas/";
    private static final String API_VERSION_DOC = "APIVersion defines the versioned schema of this representation of "
            + "an object. Servers should convert recognized schemas to the latest internal value, and may reject "
            + "unrecognized values. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
    private static final String KIND_DOC = "Kind is a string value representing the REST resource this object "
            + "represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. "
            + "In CamelCase. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
    private static final String METADATA_DOC = "Standard object's metadata. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    /** One served kind of the group-version with its version's schema. */
    public record Kind(String group, String version, String kind, String plural, boolean namespaced,
                       List<String> subresources, ObjectNode schema) {}

    private CustomResourceOpenApi() {}

    public static ObjectNode document(String groupVersion, List<Kind> kinds) {
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes CRD Swagger").put("version", "v0.1.0");
        ObjectNode paths = doc.putObject("paths");
        SchemaGenerator schemas = new SchemaGenerator();
        String objectMeta = schemas.ref(io.fabric8.kubernetes.api.model.ObjectMeta.class);
        String listMeta = schemas.ref(io.fabric8.kubernetes.api.model.ListMeta.class);
        String status = schemas.ref(io.fabric8.kubernetes.api.model.Status.class);
        String deleteOptions = schemas.ref(io.fabric8.kubernetes.api.model.DeleteOptions.class);
        List<String[]> extra = new ArrayList<>();
        for (Kind k : kinds) {
            String name = schemaName(k.group(), k.version(), k.kind());
            extra.add(new String[] {name, k.kind()});
            String ref = PREFIX + name;
            String listRef = PREFIX + name + "List";
            OpenApi.Resource r = new OpenApi.Resource(k.group(), k.version(), k.kind(), k.plural(), k.namespaced(),
                    null, k.subresources());
            String prefix = "/" + r.pathKey();
            String collection = k.namespaced() ? prefix + "/namespaces/{namespace}/" + k.plural()
                    : prefix + "/" + k.plural();
            String item = collection + "/{name}";
            ObjectNode gvk = OpenApi.gvk(k.group(), k.version(), k.kind());
            ObjectNode coll = paths.putObject(collection);
            OpenApi.pathParams(coll, k.namespaced(), false);
            coll.set("get", OpenApi.op("list" + k.kind(), "list", gvk, listRef, List.of(), null, false));
            coll.set("post", OpenApi.op("create" + k.kind(), "post", gvk, ref, OpenApi.writeParams(),
                    OpenApi.jsonBody(ref), false));
            coll.set("delete", OpenApi.op("deletecollection" + k.kind(), "deletecollection", gvk, status, List.of(),
                    OpenApi.jsonBody(deleteOptions), false));
            ObjectNode one = paths.putObject(item);
            OpenApi.pathParams(one, k.namespaced(), true);
            one.set("get", OpenApi.op("read" + k.kind(), "get", gvk, ref, List.of(), null, false));
            one.set("put", OpenApi.op("replace" + k.kind(), "put", gvk, ref, OpenApi.writeParams(),
                    OpenApi.jsonBody(ref), false));
            one.set("patch", OpenApi.op("patch" + k.kind(), "patch", gvk, ref, OpenApi.patchParams(),
                    OpenApi.patchBody(false), false));
            one.set("delete", OpenApi.op("delete" + k.kind(), "delete", gvk, status, List.of("dryRun"),
                    OpenApi.jsonBody(deleteOptions), false));
            if (k.namespaced()) {
                paths.putObject(prefix + "/" + k.plural()).set("get", OpenApi.op("list" + k.kind() + "ForAllNamespaces",
                        "list", gvk, listRef, List.of(), null, false));
            }
            for (String sub : k.subresources()) {
                ObjectNode path = paths.putObject(item + "/" + sub);
                OpenApi.pathParams(path, k.namespaced(), true);
                String suffix = Character.toUpperCase(sub.charAt(0)) + sub.substring(1);
                boolean scale = sub.equals("scale");
                String subRef = scale ? schemas.topLevel(io.fabric8.kubernetes.api.model.autoscaling.v1.Scale.class,
                        "autoscaling", "v1", "Scale") : ref;
                ObjectNode subGvk = scale ? OpenApi.gvk("autoscaling", "v1", "Scale") : gvk;
                path.set("get", OpenApi.op("read" + k.kind() + suffix, "get", subGvk, subRef, List.of(), null, false));
                path.set("put", OpenApi.op("replace" + k.kind() + suffix, "put", subGvk, subRef, OpenApi.writeParams(),
                        OpenApi.jsonBody(subRef), false));
                path.set("patch", OpenApi.op("patch" + k.kind() + suffix, "patch", subGvk, subRef,
                        OpenApi.patchParams(), OpenApi.patchBody(false), false));
            }
        }
        ObjectNode components = schemas.schemas();
        for (int i = 0; i < kinds.size(); i++) {
            Kind k = kinds.get(i);
            String name = extra.get(i)[0];
            components.set(name, kindSchema(k, objectMeta));
            components.set(name + "List", listSchema(k, PREFIX + name, listMeta));
        }
        doc.putObject("components").set("schemas", components);
        return doc;
    }

    /** {@code stable.example.com}, {@code v1}, {@code CronTab} -> {@code com.example.stable.v1.CronTab}. */
    public static String schemaName(String group, String version, String kind) {
        String[] parts = group.split("\\.");
        StringBuilder b = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            b.append(parts[i]).append('.');
        }
        return b + version + "." + kind;
    }

    private static ObjectNode kindSchema(Kind k, String objectMeta) {
        ObjectNode s = k.schema() == null ? NODES.objectNode().put("type", "object") : k.schema().deepCopy();
        ObjectNode props = s.get("properties") instanceof ObjectNode p ? p : s.putObject("properties");
        props.set("apiVersion", NODES.objectNode().put("description", API_VERSION_DOC).put("type", "string"));
        props.set("kind", NODES.objectNode().put("description", KIND_DOC).put("type", "string"));
        ObjectNode meta = NODES.objectNode();
        meta.putArray("allOf").addObject().put("$ref", objectMeta);
        meta.put("description", METADATA_DOC);
        props.set("metadata", meta);
        s.put("type", "object");
        ArrayNode gvk = s.putArray("x-kubernetes-group-version-kind");
        gvk.addObject().put("group", k.group()).put("kind", k.kind()).put("version", k.version());
        return s;
    }

    private static ObjectNode listSchema(Kind k, String itemRef, String listMeta) {
        ObjectNode s = NODES.objectNode();
        s.put("description", k.kind() + "List is a list of " + k.kind());
        s.put("type", "object");
        s.putArray("required").add("items");
        ObjectNode props = s.putObject("properties");
        props.set("apiVersion", NODES.objectNode().put("description", API_VERSION_DOC).put("type", "string"));
        ObjectNode items = props.putObject("items");
        items.put("description", "List of " + k.plural() + ". More info: "
                + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md");
        items.put("type", "array");
        items.putObject("items").put("$ref", itemRef);
        props.set("kind", NODES.objectNode().put("description", KIND_DOC).put("type", "string"));
        ObjectNode meta = props.putObject("metadata");
        meta.putArray("allOf").addObject().put("$ref", listMeta);
        meta.put("description", "Standard list metadata. More info: "
                + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds");
        s.putArray("x-kubernetes-group-version-kind").addObject().put("group", k.group())
                .put("kind", k.kind() + "List").put("version", k.version());
        return s;
    }
}
