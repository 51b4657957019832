package dev.keelson.scheduler.binder;

import dev.keelson.componentbase.client.ApiCallException;
import dev.keelson.componentbase.client.AsyncApi;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Binds pods through the pods/binding subresource asynchronously. At most {@code maxInFlight} bindings
 * are outstanding; beyond that the caller waits, which is the scheduler's back-pressure when the
 * apiserver falls behind.
 */
public final class Binder {
    private final AsyncApi api;
    private final Semaphore inFlight;

    public Binder(AsyncApi api, int maxInFlight) {
        this.api = api;
        this.inFlight = new Semaphore(maxInFlight);
    }

    public CompletableFuture<Void> bind(Pod pod, String nodeName) throws InterruptedException {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        // the uid makes the apiserver refuse the binding if the pod was deleted and recreated meanwhile
        Binding binding = new BindingBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withUid(pod.getMetadata().getUid()).endMetadata()
                .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build();
        inFlight.acquire();
        try {
            return api.post("/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", binding)
                    .whenComplete((v, e) -> inFlight.release());
        } catch (RuntimeException e) {
            inFlight.release();
            return CompletableFuture.failedFuture(e);
        }
    }

    /** 404 or 409 on a binding: the pod is gone or already bound; the informer will say which. */
    public static boolean podGoneOrBound(Throwable failure) {
        return failure instanceof ApiCallException api && (api.code() == 404 || api.code() == 409);
    }
}
