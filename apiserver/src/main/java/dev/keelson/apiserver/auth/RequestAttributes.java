package dev.keelson.apiserver.auth;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request's authorization attributes from its method, path and query, as kube-apiserver's RequestInfoFactory
 * reads them (before the resource is known to exist, so an unknown resource is still authorized first).
 */
public final class RequestAttributes {
    private RequestAttributes() {}

    public static Attributes of(HttpServerRequest req, Authenticator.User user) {
        return of(req.method(), req.path(), req.getParam("watch"), req.getParam("fieldSelector"), user);
    }

    static Attributes of(HttpMethod method, String path, String watch, String fieldSelector,
                         Authenticator.User user) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        String[] parts = trimmed.split("/", -1);
        String nonResourceVerb = method.name().toLowerCase();
        if (parts.length < 3 || !("api".equals(parts[0]) || "apis".equals(parts[0]))) {
            return Attributes.nonResource(user, nonResourceVerb, path);
        }
        int i = 1;
        String group = "";
        if ("apis".equals(parts[0])) {
            if (parts.length < 4) {
                return Attributes.nonResource(user, nonResourceVerb, path);
            }
            group = parts[1];
            i = 2;
        }
        String version = parts[i++];
        String verb = switch (method.name()) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
        boolean watchPath = i < parts.length && "watch".equals(parts[i]);
        if (watchPath) {
            verb = "watch";
            i++;
        }
        String namespace = "";
        if (i < parts.length && "namespaces".equals(parts[i])) {
            if (i + 1 < parts.length) {
                namespace = parts[i + 1];
                if (i + 2 < parts.length && !"status".equals(parts[i + 2]) && !"finalize".equals(parts[i + 2])) {
                    i += 2;
                }
            }
        }
        String resource = i < parts.length ? parts[i] : "";
        String name = i + 1 < parts.length ? parts[i + 1] : "";
        String subresource = i + 2 < parts.length ? parts[i + 2] : "";
        if (name.isEmpty() && "get".equals(verb)) {
            verb = isTrue(watch) ? "watch" : "list";
            name = exactName(fieldSelector);
        } else if (watchPath && name.isEmpty()) {
            name = exactName(fieldSelector);
        }
        if (name.isEmpty() && "delete".equals(verb)) {
            verb = "deletecollection";
        }
        return Attributes.resource(user, verb, group, version, resource, subresource, namespace, name);
    }

    private static boolean isTrue(String v) {
        return dev.keelson.apiserver.QueryParams.bool(v);
    }

    /** The name a list or watch is narrowed to by {@code fieldSelector=metadata.name=NAME}, or "". */
    private static String exactName(String selector) {
        if (selector == null || selector.contains(",")) {
            return "";
        }
        for (String prefix : new String[] {"metadata.name==", "metadata.name="}) {
            if (selector.startsWith(prefix)) {
                String name = selector.substring(prefix.length());
                return name.contains("/") || name.equals(".") || name.equals("..") ? "" : name;
            }
        }
        return "";
    }
}
