package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bootstrap token as kubeadm makes them ({@code [a-z0-9]{6}.[a-z0-9]{16}}, k8s.io/cluster-bootstrap): the id names
 * the Secret {@code kube-system/bootstrap-token-<id>} of type {@code bootstrap.kubernetes.io/token} that holds the
 * secret part, its expiration, usages and extra groups. Revoking a token is deleting that Secret.
 */
public record BootstrapToken(String id, String secret) {
    public static final String NAMESPACE = "kube-system";
    public static final String SECRET_PREFIX = "bootstrap-token-";
    public static final String SECRET_TYPE = "bootstrap.kubernetes.io/token";
    public static final String USER_PREFIX = "system:bootstrap:";
    public static final String GROUP = "system:bootstrappers";
    /** The group of the server's default join token, as kubeadm's {@code system:bootstrappers:kubeadm:default-node-token}. */
    public static final String DEFAULT_NODE_TOKEN_GROUP = "system:bootstrappers:keelson:default-node-token";
    private static final Pattern TOKEN = Pattern.compile("([a-z0-9]{6})\\.([a-z0-9]{16})");
    private static final Pattern EXTRA_GROUP = Pattern.compile("system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The token in {@code text}, or null when it does not have a bootstrap token's form. */
    public static BootstrapToken parse(String text) {
        Matcher m = TOKEN.matcher(text);
        return m.matches() ? new BootstrapToken(m.group(1), m.group(2)) : null;
    }

    public static BootstrapToken generate() {
        return new BootstrapToken(random(6), random(16));
    }

    private static String random(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return out.toString();
    }

    public static boolean validExtraGroup(String group) {
        return EXTRA_GROUP.matcher(group).matches();
    }

    public String secretName() {
        return SECRET_PREFIX + id;
    }

    /**
     * The Secret that makes this token valid: for authentication (and, as kubeadm sets it, signing), expiring after
     * {@code ttl} (none when null or zero), in the extra {@code groups} besides system:bootstrappers.
     */
    public ObjectNode toSecret(Duration ttl, String description, List<String> groups, Instant now) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("apiVersion", "v1");
        s.put("kind", "Secret");
        s.putObject("metadata").put("name", secretName()).put("namespace", NAMESPACE);
        s.put("type", SECRET_TYPE);
        ObjectNode data = s.putObject("data");
        put(data, "token-id", id);
        put(data, "token-secret", secret);
        if (description != null && !description.isEmpty()) {
            put(data, "description", description);
        }
        if (ttl != null && !ttl.isZero()) {
            put(data, "expiration", DateTimeFormatter.ISO_INSTANT.format(now.plus(ttl).truncatedTo(ChronoUnit.SECONDS)));
        }
        put(data, "usage-bootstrap-authentication", "true");
        put(data, "usage-bootstrap-signing", "true");
        if (!groups.isEmpty()) {
            put(data, "auth-extra-groups", String.join(",", groups));
        }
        return s;
    }

    private static void put(ObjectNode data, String key, String value) {
        data.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A value of a Secret's data, decoded; "" when absent or not base64. */
    public static String data(ObjectNode secret, String key) {
        String v = secret.path("data").path(key).asText("");
        try {
            return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return id + "." + secret;
    }
}
