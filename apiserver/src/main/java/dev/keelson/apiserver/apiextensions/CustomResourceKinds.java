package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.registry.Registration;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.ScaleSubresource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The resources an established CustomResourceDefinition serves: one per served version, named by its accepted names,
 * all stored under {@code /registry/<group>/<plural>/} (the versions differ only in apiVersion: conversion None).
 */
final class CustomResourceKinds {
    private CustomResourceKinds() {}

    static List<ResourceType> types(JsonNode crd, BooleanSupplier terminating) {
        JsonNode spec = crd.path("spec");
        JsonNode names = crd.path("status").path("acceptedNames");
        String group = spec.path("group").asText();
        String plural = names.path("plural").asText();
        String kind = names.path("kind").asText();
        boolean namespaced = "Namespaced".equals(spec.path("scope").asText());
        List<ResourceType> out = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(false)) {
                continue;
            }
            String apiVersion = group + "/" + v.path("name").asText();
            Registration r = namespaced ? Registration.namespaced(apiVersion, kind, plural, null)
                    : Registration.clusterScoped(apiVersion, kind, plural, null);
            r = r.singular(names.path("singular").asText(kind.toLowerCase(java.util.Locale.ROOT)))
                    .shortNames(strings(names.path("shortNames"))).categories(strings(names.path("categories")))
                    .storedUnder(group + "/" + plural);
            JsonNode subresources = v.path("subresources");
            if (subresources.has("status")) {
                r = r.subresources("status");
            }
            JsonNode scale = subresources.path("scale");
            if (scale.isObject()) {
                r = r.scale(new ScaleSubresource(scale.path("specReplicasPath").asText(),
                        scale.path("statusReplicasPath").asText(), scale.path("labelSelectorPath").asText(""),
                        ScaleSubresource.SelectorForm.STRING));
            }
            String deprecation = null;
            if (v.path("deprecated").asBoolean(false)) {
                deprecation = v.hasNonNull("deprecationWarning") ? v.get("deprecationWarning").asText()
                        : apiVersion + " " + kind + " is deprecated";
            }
            CustomResourceStrategy strategy = new CustomResourceStrategy(r,
                    SchemaNode.parse(v.path("schema").get("openAPIV3Schema")), v.path("additionalPrinterColumns"),
                    deprecation, terminating);
            out.add(strategy.type());
        }
        return out;
    }

    private static String[] strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(s -> out.add(s.asText()));
        return out.toArray(String[]::new);
    }
}
