package dev.keelson.apiserver.admission;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The enabled admission plugins in kube-apiserver's order: every mutating plugin, then (after the strategy's
 * validation) every validating plugin. A plugin's failure ends the chain and fails the request.
 */
public final class AdmissionChain {
    public static final AdmissionChain NONE = new AdmissionChain(List.of());
    public static final CompletableFuture<Void> DONE = AdmissionPlugin.DONE;

    private final List<AdmissionPlugin> plugins;
    private final List<AdmissionPlugin> mutating;
    private final List<AdmissionPlugin> validating;

    public AdmissionChain(List<AdmissionPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
        this.mutating = plugins.stream().filter(AdmissionPlugin::mutating).toList();
        this.validating = plugins.stream().filter(AdmissionPlugin::validating).toList();
    }

    /** The enabled plugins' names, in order. */
    public List<String> names() {
        return plugins.stream().map(AdmissionPlugin::name).toList();
    }

    public CompletableFuture<Void> admit(AdmissionRequest request) {
        return run(mutating, request, true);
    }

    public CompletableFuture<Void> validate(AdmissionRequest request) {
        return run(validating, request, false);
    }

    private static CompletableFuture<Void> run(List<AdmissionPlugin> plugins, AdmissionRequest request,
                                               boolean mutate) {
        CompletableFuture<Void> result = AdmissionPlugin.DONE;
        for (AdmissionPlugin p : plugins) {
            if (result.isDone() && !result.isCompletedExceptionally()) {
                result = call(p, request, mutate);
            } else {
                result = result.thenCompose(v -> call(p, request, mutate));
            }
        }
        return result;
    }

    private static CompletableFuture<Void> call(AdmissionPlugin p, AdmissionRequest request, boolean mutate) {
        try {
            return mutate ? p.admit(request) : p.validate(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
