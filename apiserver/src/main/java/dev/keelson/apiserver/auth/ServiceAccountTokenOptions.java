package dev.keelson.apiserver.auth;

import java.nio.file.Path;
import java.util.List;

/**
 * kube-apiserver's service-account token flags.
 *
 * @param issuers {@code --service-account-issuer}: the first is put in new tokens, all are accepted
 * @param apiAudiences {@code --api-audiences}: the audiences a token must have one of to authenticate here, and the
 *     audiences of a TokenRequest that names none; empty means the issuers
 * @param signingKeyFile {@code --service-account-signing-key-file}; null means {@code <pki>/sa.key}, created if absent
 * @param maxExpirationSeconds {@code --service-account-max-token-expiration} in seconds; 0 means no maximum
 * @param extendExpiration {@code --service-account-extend-token-expiration}: a pod-bound token asked for with
 *     3607 s (the projected volume's) lives a year and carries {@code warnafter}, as Kubernetes does for clients that
 *     do not reread their token yet
 * @param jwksUri {@code --service-account-jwks-uri}; null means the issuer's host and /openid/v1/jwks
 */
public record ServiceAccountTokenOptions(List<String> issuers, List<String> apiAudiences, Path signingKeyFile,
                                         long maxExpirationSeconds, boolean extendExpiration, String jwksUri) {
    /** Kubernetes' default issuer (kubeadm's and k3s' too). */
    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
    public static final ServiceAccountTokenOptions DEFAULT = new ServiceAccountTokenOptions(List.of(DEFAULT_ISSUER),
            List.of(), null, 0, true, null);

    public ServiceAccountTokenOptions {
        issuers = List.copyOf(issuers);
        apiAudiences = List.copyOf(apiAudiences);
        if (issuers.isEmpty()) {
            throw new IllegalArgumentException("--service-account-issuer is required");
        }
        for (String issuer : issuers) {
            if (issuer.contains(":") && !issuer.startsWith("https://")) {
                throw new IllegalArgumentException("service-account-issuer \"" + issuer
                        + "\" contained a ':' but was not a valid URL");
            }
        }
        if (maxExpirationSeconds != 0 && maxExpirationSeconds < 3600) {
            throw new IllegalArgumentException("service-account-max-token-expiration: the max expiration must be "
                    + "at least 1 hour");
        }
    }

    /** The audiences tokens are checked against here. */
    public List<String> audiences() {
        return apiAudiences.isEmpty() ? issuers : apiAudiences;
    }
}
