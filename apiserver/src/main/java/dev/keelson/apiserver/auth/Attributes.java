package dev.keelson.apiserver.auth;

/**
 * What an authorizer is asked about, as kube-apiserver's {@code authorizer.Attributes}: who (user and groups), the verb,
 * and either a resource (API group and version, resource, subresource, namespace, name) or a non-resource path.
 */
public record Attributes(Authenticator.User user, String verb, String apiGroup, String apiVersion, String resource,
                         String subresource, String namespace, String name, boolean resourceRequest, String path) {

    public static Attributes resource(Authenticator.User user, String verb, String apiGroup, String apiVersion,
                                      String resource, String subresource, String namespace, String name) {
        return new Attributes(user, verb, apiGroup, apiVersion, resource, subresource, namespace, name, true, null);
    }

    public static Attributes nonResource(Authenticator.User user, String verb, String path) {
        return new Attributes(user, verb, "", "", "", "", "", "", false, path);
    }

    /** {@code pods/status} for a subresource, {@code pods} otherwise. */
    public String resourceWithSubresource() {
        return subresource == null || subresource.isEmpty() ? resource : resource + "/" + subresource;
    }
}
