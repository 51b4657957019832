package dev.keelson.controllermanager.common;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** The apiserver's own words for a refused request, as Kubernetes controllers put them in events and conditions. */
public final class ApiErrors {
    private ApiErrors() {}

    /** The Status message of an API error (e.g. {@code pods "x" is forbidden: ...}), else the exception's message. */
    public static String message(Throwable e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null
                && !k.getStatus().getMessage().isEmpty()) {
            return k.getStatus().getMessage();
        }
        return e.getMessage();
    }
}
