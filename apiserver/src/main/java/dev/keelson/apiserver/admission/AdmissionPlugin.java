package dev.keelson.apiserver.admission;

import java.util.concurrent.CompletableFuture;

/**
 * An admission plugin: {@link #admit} runs in the mutating phase (before the strategy's preparation and validation;
 * it may change the object), {@link #validate} in the validating phase (after validation, just before the write; it
 * must not change the object). A plugin refuses a request by throwing an ApiException or failing the future; a plugin
 * that cannot decide (a read failed) must refuse, never admit.
 */
public interface AdmissionPlugin {
    CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    String name();

    default boolean mutating() {
        return false;
    }

    default boolean validating() {
        return false;
    }

    default CompletableFuture<Void> admit(AdmissionRequest request) {
        return DONE;
    }

    default CompletableFuture<Void> validate(AdmissionRequest request) {
        return DONE;
    }
}
