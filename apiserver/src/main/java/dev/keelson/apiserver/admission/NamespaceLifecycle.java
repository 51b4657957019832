package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' NamespaceLifecycle: no object is created or changed in a namespace that does not exist (404), nothing is
 * created in a namespace being terminated (403 with a NamespaceTerminating cause), and the system namespaces may not be
 * deleted.
 */
final class NamespaceLifecycle implements AdmissionPlugin {
    static final String NAME = "NamespaceLifecycle";
    private static final Set<String> IMMORTAL = Set.of("default", "kube-system", "kube-public");

    private final PluginContext context;

    NamespaceLifecycle(PluginContext context) {
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
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        boolean namespaceKind = r.isResource("", "namespaces");
        if (r.operation() == Operation.DELETE && namespaceKind && IMMORTAL.contains(r.name())) {
            throw r.forbidden("this namespace may not be deleted");
        }
        if (namespaceKind || !r.type().namespaced() || r.namespace() == null || r.namespace().isEmpty()
                || r.operation() == Operation.DELETE) {
            return DONE;
        }
        return context.namespace(r.namespace()).thenAccept(ns -> {
            if (r.operation() != Operation.CREATE) {
                return;
            }
            if ("Terminating".equals(ns.path("status").path("phase").asText())
                    || ns.path("metadata").hasNonNull("deletionTimestamp")) {
                ApiException e = r.forbidden("unable to create new content in namespace " + r.namespace()
                        + " because it is being terminated");
                ArrayNode causes = e.details().putArray("causes");
                ObjectNode cause = causes.addObject();
                cause.put("reason", "NamespaceTerminating");
                cause.put("message", "namespace " + r.namespace() + " is being terminated");
                cause.put("field", "metadata.namespace");
                throw e;
            }
        });
    }
}
