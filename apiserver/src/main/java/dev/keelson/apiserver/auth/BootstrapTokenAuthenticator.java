package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' bootstrap token authenticator (plugin/pkg/auth/authenticator/token/bootstrap): a bearer token
 * {@code <id>.<secret>} is user {@code system:bootstrap:<id>} in group system:bootstrappers (and the Secret's
 * auth-extra-groups) while its Secret exists, is not being deleted, has the right type, secret and id, has not expired
 * and is marked usage-bootstrap-authentication=true. Anything else is no user (401), so a deleted or expired token
 * stops working at once. Secrets are read from the apiserver's watch cache.
 */
public final class BootstrapTokenAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapTokenAuthenticator.class);
    private final Function<String, ObjectNode> kubeSystemSecret;
    private final Clock clock;

    /** {@code kubeSystemSecret} finds a Secret of kube-system by name, or null. */
    public BootstrapTokenAuthenticator(Function<String, ObjectNode> kubeSystemSecret, Clock clock) {
        this.kubeSystemSecret = kubeSystemSecret;
        this.clock = clock;
    }

    /** The user of a bootstrap token, or null. */
    public Authenticator.User authenticate(String bearer) {
        BootstrapToken token = BootstrapToken.parse(bearer);
        if (token == null) {
            return null;
        }
        ObjectNode secret = kubeSystemSecret.apply(token.secretName());
        if (secret == null) {
            return null;
        }
        String name = BootstrapToken.NAMESPACE + "/" + token.secretName();
        if (secret.path("metadata").hasNonNull("deletionTimestamp")) {
            LOG.debug("bootstrap secret {} matching bearer token is deleted and awaiting removal", name);
            return null;
        }
        if (!BootstrapToken.SECRET_TYPE.equals(secret.path("type").asText()) || !secret.has("data")) {
            return null;
        }
        byte[] want = BootstrapToken.data(secret, "token-secret").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(want, token.secret().getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        if (!token.id().equals(BootstrapToken.data(secret, "token-id"))) {
            return null;
        }
        if (expired(secret)) {
            LOG.debug("bootstrap secret {} matching bearer token has expired", name);
            return null;
        }
        if (!"true".equals(BootstrapToken.data(secret, "usage-bootstrap-authentication"))) {
            return null;
        }
        List<String> groups = new ArrayList<>(List.of(BootstrapToken.GROUP));
        String extra = BootstrapToken.data(secret, "auth-extra-groups");
        for (String g : extra.isEmpty() ? new String[0] : extra.split(",")) {
            String group = g.trim();
            if (!BootstrapToken.validExtraGroup(group)) {
                LOG.debug("bootstrap secret {} has an invalid auth-extra-groups value {}", name, group);
                return null;
            }
            if (!groups.contains(group)) {
                groups.add(group);
            }
        }
        groups.add("system:authenticated");
        return new Authenticator.User(BootstrapToken.USER_PREFIX + token.id(), List.copyOf(groups));
    }

    /** k8s.io/cluster-bootstrap HasExpired: an expiration that does not parse counts as expired. */
    private boolean expired(ObjectNode secret) {
        String expiration = BootstrapToken.data(secret, "expiration");
        if (expiration.isEmpty()) {
            return false;
        }
        try {
            return !clock.instant().isBefore(Instant.parse(expiration));
        } catch (DateTimeParseException e) {
            return true;
        }
    }
}
