package dev.keelson.kubelet.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.pod.Backoff;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.ContainerRuntime.RegistryAuth;
import dev.keelson.kubelet.runtime.RuntimeUnavailableException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Makes a container's image present according to its pull policy, with per-image back-off after failures and the
 * registry's error carried into ErrImagePull / ImagePullBackOff. Credentials come from the pod's imagePullSecrets.
 */
public final class ImagePuller {
    /** The outcome for one container: an image id to run, or a waiting reason and message. */
    public record Result(String imageId, String reason, String message) {
        public boolean ok() {
            return imageId != null;
        }

        static Result ok(String id) {
            return new Result(id, null, null);
        }

        static Result waiting(String reason, String message) {
            return new Result(null, reason, message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ContainerRuntime runtime;
    private final KubernetesClient client;
    private final EventRecorder events;
    private final Backoff backoff = Backoff.imagePull();
    private final Map<String, String> lastError = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Instant> lastFailure = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Present> presentSince = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> lookups = new java.util.concurrent.ConcurrentHashMap<>();

    public ImagePuller(ContainerRuntime runtime, KubernetesClient client, EventRecorder events) {
        this.runtime = runtime;
        this.client = client;
        this.events = events;
    }

    /** The id of an image Docker has locally, or null. */
    public String localImageId(String image) {
        String id = runtime.imageId(image);
        if (id == null) {
            presentSince.remove(image);
        } else {
            presentSince.put(image, new Present(id, Instant.now()));
        }
        return id;
    }

    /**
     * Like {@link #localImageId} but trusts an answer younger than a few seconds: a burst of pods with the same image
     * then costs Docker one inspect, not one per pod.
     */
    private String recentImageId(String image) {
        if (fresh(image)) {
            return presentSince.get(image).id();
        }
        CompletableFuture<String> ahead = lookups.get(image);
        if (ahead != null) {
            try {
                return ahead.join();
            } catch (CompletionException e) {
                // asked again below, so that the caller sees the failure as its own
            }
        }
        return localImageId(image);
    }

    private boolean fresh(String image) {
        Present p = presentSince.get(image);
        return p != null && p.at().isAfter(Instant.now().minusSeconds(5));
    }

    /**
     * Starts finding out on {@code executor} whether the images of these containers are local, so that a pod's
     * start overlaps those lookups with each other and with the sandbox's creation; {@link #ensure} then waits for
     * the answer instead of asking again. Images pulled on every start (policy Always) are left to ensure.
     */
    public void lookUpAhead(List<Container> containers, Executor executor) {
        for (Container c : containers) {
            String ref;
            try {
                if (c.getImage() == null || c.getImage().isBlank()
                        || ImagePolicy.effectivePolicy(c.getImage(), c.getImagePullPolicy()).equals(ImagePolicy.ALWAYS)) {
                    continue;
                }
                ref = ImagePolicy.normalize(c.getImage());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (fresh(ref)) {
                continue;
            }
            CompletableFuture<String> lookup = new CompletableFuture<>();
            if (lookups.putIfAbsent(ref, lookup) != null) {
                continue;
            }
            try {
                executor.execute(() -> {
                    try {
                        lookup.complete(localImageId(ref));
                    } catch (RuntimeException e) {
                        lookup.completeExceptionally(e);
                    } finally {
                        lookups.remove(ref, lookup);
                    }
                });
            } catch (RejectedExecutionException e) {
                lookups.remove(ref, lookup);
            }
        }
    }

    private record Present(String id, Instant at) {}

    /** As Kubernetes' kubelet tells it before each start of a container (not of the sandbox, which has no field path). */
    private void alreadyPresent(Pod pod, String fieldPath, String image) {
        if (fieldPath != null) {
            events.normal(pod, fieldPath, "Pulled", "Container image \"" + image + "\" already present on machine");
        }
    }

    public Result ensure(Pod pod, Container container, String fieldPath) {
        String image = container.getImage();
        if (image == null || image.isBlank()) {
            return Result.waiting("InvalidImageName", "container " + container.getName() + " has no image");
        }
        String policy;
        try {
            policy = ImagePolicy.effectivePolicy(image, container.getImagePullPolicy());
        } catch (IllegalArgumentException e) {
            return Result.waiting("InvalidImageName", e.getMessage());
        }
        String ref = ImagePolicy.normalize(image);
        String present = policy.equals(ImagePolicy.ALWAYS) ? localImageId(ref) : recentImageId(ref);
        if (policy.equals(ImagePolicy.NEVER)) {
            if (present != null) {
                alreadyPresent(pod, fieldPath, image);
                return Result.ok(present);
            }
            String msg = "Container image \"" + image + "\" is not present with pull policy of Never";
            events.warning(pod, fieldPath, "ErrImageNeverPull", msg);
            return Result.waiting("ErrImageNeverPull", msg);
        }
        if (present != null && policy.equals(ImagePolicy.IF_NOT_PRESENT)) {
            alreadyPresent(pod, fieldPath, image);
            return Result.ok(present);
        }
        String key = pod.getMetadata().getUid() + "/" + ref;
        Instant now = Instant.now();
        Instant failedAt = lastFailure.get(key);
        if (backoff.inBackoffSince(key, failedAt, now)) {
            String msg = "Back-off pulling image \"" + image + "\": ErrImagePull: " + lastError.getOrDefault(key, "");
            events.normal(pod, fieldPath, "BackOff", "Back-off pulling image \"" + image + "\"");
            return Result.waiting("ImagePullBackOff", msg);
        }
        events.normal(pod, fieldPath, "Pulling", "Pulling image \"" + image + "\"");
        long started = System.nanoTime();
        try {
            runtime.pullImage(ref, credentialsFor(pod, ref));
        } catch (RuntimeException e) {
            String err = ContainerRuntime.rootMessage(e);
            if (e instanceof RuntimeUnavailableException) {
                throw e;
            }
            backoff.next(key, now);
            lastFailure.put(key, Instant.now());
            lastError.put(key, err);
            events.warning(pod, fieldPath, "Failed", "Failed to pull image \"" + image + "\": " + err);
            events.warning(pod, fieldPath, "Failed", "Error: ErrImagePull");
            return Result.waiting("ErrImagePull", "Failed to pull image \"" + image + "\": " + err);
        }
        backoff.reset(key);
        lastFailure.remove(key);
        lastError.remove(key);
        String id = localImageId(ref);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        events.normal(pod, fieldPath, "Pulled", "Successfully pulled image \"" + image + "\" in "
                + took.toMillis() + "ms");
        if (id == null) {
            return Result.waiting("ErrImagePull", "image \"" + image + "\" is missing right after its pull");
        }
        return Result.ok(id);
    }

    /** Credentials for the image's registry from the pod's dockerconfigjson pull secrets, or null. */
    RegistryAuth credentialsFor(Pod pod, String ref) {
        if (pod.getSpec().getImagePullSecrets() == null) {
            return null;
        }
        String registry = ImagePolicy.registryOf(ref);
        for (LocalObjectReference s : pod.getSpec().getImagePullSecrets()) {
            if (s.getName() == null) {
                continue;
            }
            Secret secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(s.getName()).get();
            if (secret == null || secret.getData() == null) {
                continue;
            }
            String encoded = secret.getData().get(".dockerconfigjson");
            if (encoded == null) {
                encoded = secret.getData().get(".dockercfg");
            }
            if (encoded == null) {
                continue;
            }
            RegistryAuth auth = authFromDockerConfig(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8),
                    registry);
            if (auth != null) {
                return auth;
            }
        }
        return null;
    }

    /** Finds the entry for a registry in a dockerconfigjson document ({"auths": {host: {username, password|auth}}}). */
    static RegistryAuth authFromDockerConfig(String json, String registry) {
        try {
            JsonNode root = JSON.readTree(json);
            JsonNode auths = root.has("auths") ? root.get("auths") : root;
            for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String host = e.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
                boolean match = host.equals(registry)
                        || (registry.equals("docker.io") && (host.equals("index.docker.io") || host.equals("registry-1.docker.io")));
                if (!match) {
                    continue;
                }
                JsonNode entry = e.getValue();
                String user = entry.path("username").asText(null);
                String password = entry.path("password").asText(null);
                if ((user == null || password == null) && entry.hasNonNull("auth")) {
                    String decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    if (colon > 0) {
                        user = decoded.substring(0, colon);
                        password = decoded.substring(colon + 1);
                    }
                }
                return new RegistryAuth(e.getKey(), user, password);
            }
            return null;
        } catch (Exception ex) {
            return null;
        }
    }

    public void forget(String podUid) {
        backoff.forgetPrefix(podUid + "/");
        lastFailure.keySet().removeIf(k -> k.startsWith(podUid + "/"));
        lastError.keySet().removeIf(k -> k.startsWith(podUid + "/"));
    }
}
