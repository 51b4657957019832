package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.validation.FieldError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' AlwaysPullImages (off by default): every container of a new pod, and of an update that brings a new
 * image, gets {@code imagePullPolicy: Always}, so a pod cannot use a private image another pod's credentials pulled
 * onto the node; the validating half refuses what a later mutation changed back.
 */
final class AlwaysPullImages implements AdmissionPlugin {
    static final String NAME = "AlwaysPullImages";
    private static final String[] LISTS = {"initContainers", "containers", "ephemeralContainers"};

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

    private static boolean applies(AdmissionRequest r) {
        if (!r.isResource("", "pods") || !(r.subresource().isEmpty() || r.subresource().equals("ephemeralcontainers"))) {
            return false;
        }
        return r.operation() == Operation.CREATE
                || r.operation() == Operation.UPDATE && !images(r.object()).equals(images(r.oldObject()))
                && hasNewImages(r);
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        if (applies(r)) {
            for (String list : LISTS) {
                for (JsonNode c : r.object().path("spec").path(list)) {
                    if (c instanceof ObjectNode o) {
                        o.put("imagePullPolicy", "Always");
                    }
                }
            }
        }
        return DONE;
    }

    @Override
    public CompletableFuture<Void> validate(AdmissionRequest r) {
        if (!applies(r)) {
            return DONE;
        }
        List<FieldError> errors = new ArrayList<>();
        for (String list : LISTS) {
            JsonNode containers = r.object().path("spec").path(list);
            for (int i = 0; i < containers.size(); i++) {
                String policy = containers.get(i).path("imagePullPolicy").asText("");
                if (!"Always".equals(policy)) {
                    errors.add(new FieldError(FieldError.NOT_SUPPORTED, "spec." + list + "[" + i + "].imagePullPolicy",
                            "Unsupported value: \"" + policy + "\": supported values: \"Always\""));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(r.group(), r.type().kind(), r.name(), errors);
        }
        return DONE;
    }

    private static boolean hasNewImages(AdmissionRequest r) {
        Set<String> old = images(r.oldObject());
        for (String image : images(r.object())) {
            if (!old.contains(image)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> images(ObjectNode pod) {
        Set<String> out = new HashSet<>();
        if (pod != null) {
            for (String list : LISTS) {
                for (JsonNode c : pod.path("spec").path(list)) {
                    out.add(c.path("image").asText(""));
                }
            }
        }
        return out;
    }
}
