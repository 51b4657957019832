package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;

/** The /version answer: Kubernetes 1.32, so the kubectl dispatcher picks kubectl 1.32. */
final class Version {
    private Version() {}

    static ObjectNode json() {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", "v1.32.0-keelson");
        v.put("gitCommit", "keelson");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-11-21T00:00:00Z");
        v.put("goVersion", "java" + System.getProperty("java.specification.version"));
        v.put("compiler", "javac");
        v.put("platform", "linux/amd64");
        return v;
    }
}
