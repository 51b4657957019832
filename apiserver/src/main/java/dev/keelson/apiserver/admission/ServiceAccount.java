package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Kubernetes' ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a new pod runs as
 * {@code default} unless it names an account, the account must exist (403 otherwise), the pod gets the account's
 * imagePullSecrets when it has none, and unless {@code automountServiceAccountToken} is false on the pod (or, when the
 * pod does not say, on the account) every container mounts a projected {@code kube-api-access-<random>} volume (a bound
 * token, the cluster CA, the namespace) read-only at {@value #MOUNT_PATH}. Mirror pods are left alone.
 */
final class ServiceAccount implements AdmissionPlugin {
    static final String NAME = "ServiceAccount";
    static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String VOLUME_PREFIX = "kube-api-access-";
    static final String DEFAULT = "default";
    /** serviceaccount.WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds, as Kubernetes asks for. */
    static final long TOKEN_EXPIRATION_SECONDS = 3607;
    private static final String MIRROR = "kubernetes.io/config.mirror";
    /** names.SimpleNameGenerator's alphabet (no vowels, no confusable digits). */
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    /**
     * How long a pod waits for the default account of a namespace created a moment ago (Kubernetes looks it up ten
     * times, 100-200 ms apart; on a loaded host the controller can take longer than that).
     */
    private static final long DEFAULT_WAIT_MILLIS = 10_000;
    private static final long POLL_MILLIS = 150;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PluginContext context;

    ServiceAccount(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean mutating() {
        return true;
    }

    @Override
    public boolean validating() {
        return true;
    }

    private static boolean ignored(AdmissionRequest r) {
        return r.operation() != Operation.CREATE || !r.isResource("", "pods") || !r.subresource().isEmpty();
    }

    private static boolean mirror(ObjectNode pod) {
        return pod.path("metadata").path("annotations").has(MIRROR);
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        if (ignored(r) || mirror(r.object())) {
            return DONE;
        }
        ObjectNode spec = r.object().with("spec");
        String name = spec.path("serviceAccountName").asText("");
        if (name.isEmpty()) {
            // a v1 pod may still name its account in the deprecated field
            name = spec.path("serviceAccount").asText("");
        }
        if (name.isEmpty()) {
            name = DEFAULT;
        }
        spec.put("serviceAccountName", name);
        spec.put("serviceAccount", name);
        return lookUp(r, name).thenAccept(sa -> {
            if (shouldAutomount(sa, spec)) {
                mountToken(spec);
            }
            JsonNode pullSecrets = spec.path("imagePullSecrets");
            if (!pullSecrets.isArray() || pullSecrets.isEmpty()) {
                JsonNode fromAccount = sa.path("imagePullSecrets");
                if (fromAccount.isArray() && !fromAccount.isEmpty()) {
                    ArrayNode out = spec.putArray("imagePullSecrets");
                    fromAccount.forEach(s -> out.addObject().put("name", s.path("name").asText("")));
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> validate(AdmissionRequest r) {
        if (ignored(r)) {
            return DONE;
        }
        if (mirror(r.object())) {
            return DONE;
        }
        ObjectNode spec = r.object().with("spec");
        return lookUp(r, spec.path("serviceAccountName").asText(DEFAULT)).thenAccept(sa -> { });
    }

    /** The account from the watch cache, else etcd; the default one is waited for a while (its controller makes it). */
    private CompletableFuture<ObjectNode> lookUp(AdmissionRequest r, String name) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEFAULT.equals(name) ? DEFAULT_WAIT_MILLIS : 0);
        return attempt(r, name, deadline);
    }

    private CompletableFuture<ObjectNode> attempt(AdmissionRequest r, String name, long deadline) {
        ObjectNode cached = context.cached("", "serviceaccounts", r.namespace(), name);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return context.store("", "serviceaccounts").get(r.namespace(), name).handle((sa, err) -> {
            if (err == null) {
                return CompletableFuture.completedFuture(sa);
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (!(cause instanceof ApiException ae && ae.code() == 404)) {
                throw r.forbidden("error looking up service account " + r.namespace() + "/" + name + ": "
                        + cause.getMessage());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw r.forbidden("error looking up service account " + r.namespace() + "/" + name
                        + ": serviceaccount \"" + name + "\" not found");
            }
            return CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(POLL_MILLIS, TimeUnit.MILLISECONDS))
                    .thenCompose(v -> attempt(r, name, deadline));
        }).thenCompose(f -> f);
    }

    /** The pod's preference wins, then the account's; mounted when neither says. */
    static boolean shouldAutomount(JsonNode sa, JsonNode spec) {
        JsonNode pod = spec.path("automountServiceAccountToken");
        if (pod.isBoolean()) {
            return pod.asBoolean();
        }
        JsonNode account = sa.path("automountServiceAccountToken");
        return !account.isBoolean() || account.asBoolean();
    }

    /**
     * Every container and init container without a mount at {@value #MOUNT_PATH} mounts the token volume, which is
     * added unless the pod already has a {@code kube-api-access-} volume (then that one is mounted).
     */
    static void mountToken(ObjectNode spec) {
        String volumeName = null;
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("name").asText("").startsWith(VOLUME_PREFIX)) {
                volumeName = v.path("name").asText();
                break;
            }
        }
        boolean hasVolume = volumeName != null;
        if (!hasVolume) {
            volumeName = VOLUME_PREFIX + randomSuffix();
        }
        boolean needsVolume = false;
        for (String list : new String[] {"initContainers", "containers"}) {
            for (JsonNode c : spec.path(list)) {
                if (!(c instanceof ObjectNode container)) {
                    continue;
                }
                boolean mounted = false;
                for (JsonNode m : container.path("volumeMounts")) {
                    if (MOUNT_PATH.equals(m.path("mountPath").asText())) {
                        mounted = true;
                        break;
                    }
                }
                if (!mounted) {
                    ArrayNode mounts = container.path("volumeMounts").isArray()
                            ? (ArrayNode) container.get("volumeMounts") : container.putArray("volumeMounts");
                    ObjectNode m = mounts.addObject();
                    m.put("name", volumeName);
                    m.put("readOnly", true);
                    m.put("mountPath", MOUNT_PATH);
                    needsVolume = true;
                }
            }
        }
        if (!hasVolume && needsVolume) {
            ArrayNode volumes = spec.path("volumes").isArray() ? (ArrayNode) spec.get("volumes")
                    : spec.putArray("volumes");
            volumes.add(tokenVolume(volumeName));
        }
    }

    /** Kubernetes' TokenVolumeSource, defaulted as the apiserver stores it. */
    static ObjectNode tokenVolume(String name) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("name", name);
        ObjectNode projected = v.putObject("projected");
        ArrayNode sources = projected.putArray("sources");
        ObjectNode token = sources.addObject().putObject("serviceAccountToken");
        token.put("expirationSeconds", TOKEN_EXPIRATION_SECONDS);
        token.put("path", "token");
        ObjectNode cm = sources.addObject().putObject("configMap");
        cm.put("name", "kube-root-ca.crt");
        ObjectNode item = cm.putArray("items").addObject();
        item.put("key", "ca.crt");
        item.put("path", "ca.crt");
        ObjectNode file = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
        file.putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
        file.put("path", "namespace");
        projected.put("defaultMode", 420);
        return v;
    }

    private static String randomSuffix() {
        StringBuilder b = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
