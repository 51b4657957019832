package dev.keelson.kubelet.volume;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's token manager (pkg/kubelet/token): asks the TokenRequest API for a pod's service-account token bound
 * to the pod, and keeps it until 80 % of its lifetime or 24 hours have passed, whichever is first, so the projected
 * volume is refreshed well before the token expires.
 */
public final class ServiceAccountTokens {
    private static final Duration MAX_TTL = Duration.ofHours(24);

    /** Asks the apiserver for a token: (namespace, account, request) to the answered request. */
    @FunctionalInterface
    public interface Requester {
        TokenRequest request(String namespace, String serviceAccount, TokenRequest request);
    }

    private record Key(String namespace, String account, String podUid, String audience, long seconds) {}

    private final Requester requester;
    private final Clock clock;
    private final Map<Key, TokenRequest> cache = new ConcurrentHashMap<>();

    public ServiceAccountTokens(Requester requester, Clock clock) {
        this.requester = requester;
        this.clock = clock;
    }

    /** Requests through {@code client}'s serviceaccounts/token. */
    public static ServiceAccountTokens of(KubernetesClient client) {
        return new ServiceAccountTokens((ns, sa, tr) -> client.serviceAccounts().inNamespace(ns).withName(sa)
                .tokenRequest(tr), Clock.systemUTC());
    }

    /** A valid token for the pod's account, bound to the pod; {@code audience} empty means the API's audiences. */
    public String token(Pod pod, String audience, long expirationSeconds) {
        String ns = pod.getMetadata().getNamespace();
        String account = pod.getSpec().getServiceAccountName() == null || pod.getSpec().getServiceAccountName().isEmpty()
                ? "default" : pod.getSpec().getServiceAccountName();
        Key key = new Key(ns, account, pod.getMetadata().getUid(), Objects.requireNonNullElse(audience, ""),
                expirationSeconds);
        TokenRequest cached = cache.get(key);
        if (cached != null && !requiresRefresh(cached)) {
            return cached.getStatus().getToken();
        }
        TokenRequestBuilder b = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(expirationSeconds)
                .withNewBoundObjectRef("v1", "Pod", pod.getMetadata().getName(), pod.getMetadata().getUid()).endSpec();
        if (audience != null && !audience.isEmpty()) {
            b.editSpec().withAudiences(audience).endSpec();
        }
        TokenRequest issued = requester.request(ns, account, b.build());
        cache.put(key, issued);
        return issued.getStatus().getToken();
    }

    /** kubelet's requiresRefresh: past 80 % of the requested lifetime, or older than 24 hours. */
    boolean requiresRefresh(TokenRequest tr) {
        Instant now = clock.instant();
        Instant exp = Instant.parse(tr.getStatus().getExpirationTimestamp());
        long seconds = tr.getSpec().getExpirationSeconds();
        Instant iat = exp.minusSeconds(seconds);
        return !now.isBefore(exp) || now.isAfter(iat.plus(MAX_TTL)) || now.isAfter(iat.plusSeconds(seconds * 80 / 100));
    }

    /** Forgets the tokens of a pod that is gone. */
    public void forget(String podUid) {
        cache.keySet().removeIf(k -> k.podUid().equals(podUid));
    }
}
