package dev.keelson.controllermanager.certificates;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' tokencleaner: deletes bootstrap token Secrets (kube-system, type bootstrap.kubernetes.io/token) once
 * their expiration has passed, so {@code keelson token list} does not keep showing dead tokens. The apiserver refuses
 * an expired token whether or not its Secret is still there.
 */
public final class TokenCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenCleaner.class);
    static final String TOKEN_TYPE = "bootstrap.kubernetes.io/token";

    private final KubernetesClient client;
    private final SharedIndexInformer<Secret> secrets;
    private final Controller controller;
    private final Clock clock;

    public TokenCleaner(SharedInformers informers, MeterRegistry meters, Clock clock) {
        this.client = informers.client();
        this.secrets = informers.namespaced(Secret.class);
        this.clock = clock;
        this.controller = new Controller("tokencleaner", this::sync, meters);
        secrets.addEventHandler(controller.handler());
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(secrets), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String key) {
        Secret secret = secrets.getStore().getByKey(key);
        if (secret == null || !"kube-system".equals(secret.getMetadata().getNamespace())
                || !TOKEN_TYPE.equals(secret.getType()) || secret.getData() == null
                || secret.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        String expiration = secret.getData().get("expiration");
        if (expiration == null) {
            return;
        }
        Instant expires;
        try {
            expires = Instant.parse(new String(Base64.getDecoder().decode(expiration), StandardCharsets.UTF_8));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            expires = Instant.EPOCH; // as k8s.io/cluster-bootstrap: an expiration that does not parse has expired
        }
        Duration left = Duration.between(clock.instant(), expires);
        if (!left.isNegative() && !left.isZero()) {
            controller.enqueueAfter(key, left.plusSeconds(1));
            return;
        }
        client.secrets().inNamespace("kube-system").withName(secret.getMetadata().getName())
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        log.info("deleted expired bootstrap token secret kube-system/{}", secret.getMetadata().getName());
    }
}
